"""Debian's python3-kubernetes against automesh's API server: list, watch, create, patch.

Run by test/e2e/python-client.test.ts with Debian's /usr/bin/python3 and KUBECONFIG set to the
admin.kubeconfig that `automesh up` writes. Prints one JSON object per step on stdout; the test
reads them. Any failure is an uncaught exception: a traceback on stderr and a non-zero exit.
"""

import json
import os
import sys

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

NS = "py"


def say(step, **fields):
    print(json.dumps({"step": step, **fields}), flush=True)


def main():
    config.load_kube_config(config_file=os.environ["KUBECONFIG"])
    core = client.CoreV1Api()
    custom = client.CustomObjectsApi()

    namespaces = core.list_namespace()
    say("list-namespaces", names=sorted(n.metadata.name for n in namespaces.items),
        resourceVersion=namespaces.metadata.resource_version)

    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
    try:
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
        say("create-twice", status=None)
    except ApiException as err:
        say("create-twice", status=err.status, reason=json.loads(err.body)["reason"])

    before = core.list_namespaced_service(NS)
    service = client.V1Service(
        metadata=client.V1ObjectMeta(name="web", labels={"app": "web"}),
        spec=client.V1ServiceSpec(selector={"app": "web"},
                                  ports=[client.V1ServicePort(name="http", port=80, target_port=8080)]),
    )
    created = core.create_namespaced_service(NS, service)
    say("create-service", name=created.metadata.name, uid=bool(created.metadata.uid),
        resourceVersion=created.metadata.resource_version)

    # A dict body goes as a strategic merge patch: ports merge by port, the label is added.
    patched = core.patch_namespaced_service("web", NS, {
        "metadata": {"labels": {"tier": "frontend"}},
        "spec": {"ports": [{"name": "metrics", "port": 9090}]},
    })
    say("patch-service", labels=patched.metadata.labels,
        ports=sorted(p.port for p in patched.spec.ports))

    # Every change since the list, in order, then the stream ends at timeout_seconds.
    events = []
    for event in watch.Watch().stream(core.list_namespaced_service, NS,
                                      resource_version=before.metadata.resource_version,
                                      timeout_seconds=2):
        events.append(f"{event['type']} {event['object'].metadata.name}")
    say("watch-services", events=events)

    policy = {
        "apiVersion": "security.istio.io/v1beta1",
        "kind": "PeerAuthentication",
        "metadata": {"name": "default", "namespace": NS},
        "spec": {"mtls": {"mode": "PERMISSIVE"}},
    }
    custom.create_namespaced_custom_object("security.istio.io", "v1beta1", NS,
                                           "peerauthentications", policy)
    changed = custom.patch_namespaced_custom_object("security.istio.io", "v1beta1", NS,
                                                    "peerauthentications", "default",
                                                    {"spec": {"mtls": {"mode": "STRICT"}}})
    say("patch-peerauthentication", mode=changed["spec"]["mtls"]["mode"])

    try:
        custom.create_namespaced_custom_object("security.istio.io", "v1beta1", NS,
                                               "peerauthentications",
                                               {**policy, "metadata": {"name": "bad", "namespace": NS},
                                                "spec": {"mtls": {"mode": "SOMETIMES"}}})
        say("create-invalid", status=None)
    except ApiException as err:
        body = json.loads(err.body)
        say("create-invalid", status=err.status, reason=body["reason"],
            fields=[c.get("field") for c in body.get("details", {}).get("causes", [])])


if __name__ == "__main__":
    main()
    sys.exit(0)
