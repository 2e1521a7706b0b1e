"""Pins down what validate.py rejects, so `make deploy-check` passing means
something. Run by scripts/deploy-check.sh: python -m unittest deploy/tools/test_validate.py"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import validate  # noqa: E402

KUBERNETES_VERSION = "1.31.0"


def hardened_service(name):
    """A Deployment that passes every check, and its Service."""
    probe = {"httpGet": {"path": "/healthz", "port": "http"}}
    container = {
        "name": name, "image": "assay",
        "ports": [{"name": "http", "containerPort": 8080}],
        "envFrom": [{"configMapRef": {"name": "assay-config"}}],
        "livenessProbe": probe, "readinessProbe": probe,
        "resources": {"limits": {"memory": "1Gi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    labels = {"app": name}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
         "spec": {"selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels},
                               "spec": {"securityContext": {"runAsNonRoot": True}, "containers": [container]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
         "spec": {"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
    ]


def valid_installation():
    """The smallest set of objects that passes, keyed by `Kind/name`: both
    services, the ConfigMap, and the Ingress splitting the one base URL."""
    routes = [("/v1_1/demo/resources", "admin-api"), ("/v1_1/demo/ping", "admin-api"), ("/", "upload-api")]
    objects = hardened_service("upload-api") + hardened_service("admin-api") + [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "assay-config"},
         "data": {"ASSAY_CLOUD_NAME": "demo"}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "assay"},
         "spec": {"rules": [{"http": {"paths": [
             {"path": path, "pathType": "Prefix",
              "backend": {"service": {"name": service, "port": {"name": "http"}}}}
             for path, service in routes]}}]}},
    ]
    return {validate.name_of(o): o for o in objects}


def problems_with(change):
    objects = valid_installation()
    change(objects)
    objects = list(objects.values())
    return validate.schema_problems(objects, KUBERNETES_VERSION) + validate.consistency_problems(objects)


def container(objects):
    return objects["Deployment/upload-api"]["spec"]["template"]["spec"]["containers"][0]


def ingress_paths(objects):
    return objects["Ingress/assay"]["spec"]["rules"][0]["http"]["paths"]


class ValidateTest(unittest.TestCase):
    def assert_rejected(self, change, expected):
        problems = problems_with(change)
        self.assertTrue(any(expected in p for p in problems), f"{expected!r} not in {problems}")

    def test_the_valid_installation_passes(self):
        self.assertEqual(problems_with(lambda objects: None), [])

    def test_unknown_fields_fail_the_schema(self):
        self.assert_rejected(lambda o: container(o).update(livenesProbe={}), "'livenesProbe' was unexpected")

    def test_kinds_without_a_schema_fail(self):
        self.assert_rejected(lambda o: o["Service/admin-api"].update(apiVersion="example.com/v1"),
                             "Couldn't find schema")

    def test_a_service_must_select_a_pod_template(self):
        self.assert_rejected(lambda o: o["Service/admin-api"]["spec"].update(selector={"app": "other"}),
                             "matches no pod template")

    def test_an_ingress_backend_must_exist(self):
        self.assert_rejected(lambda o: o.pop("Service/upload-api"), "missing Service upload-api")

    def test_api_routes_must_name_the_configured_cloud(self):
        self.assert_rejected(lambda o: o["ConfigMap/assay-config"]["data"].update(ASSAY_CLOUD_NAME="acme"),
                             "does not match ASSAY_CLOUD_NAME")

    def test_every_admin_endpoint_must_reach_admin_api(self):
        def drop_ping(o):
            paths = ingress_paths(o)
            paths[:] = [p for p in paths if not p["path"].endswith("/ping")]
        self.assert_rejected(drop_ping, "/v1_1/demo/ping must route to admin-api")

    def test_containers_must_be_hardened(self):
        for field, value, expected in [
            ("readOnlyRootFilesystem", False, "readOnlyRootFilesystem"),
            ("allowPrivilegeEscalation", True, "allowPrivilegeEscalation"),
            ("capabilities", {"drop": []}, "drop ALL"),
        ]:
            with self.subTest(field=field):
                self.assert_rejected(lambda o: container(o)["securityContext"].update({field: value}), expected)

    def test_services_need_probes_and_a_memory_limit(self):
        self.assert_rejected(lambda o: container(o).pop("readinessProbe"), "no readinessProbe")
        self.assert_rejected(lambda o: container(o)["resources"].pop("limits"), "no memory limit")

    def test_a_missing_configmap_is_reported(self):
        self.assert_rejected(lambda o: o.pop("ConfigMap/assay-config"), "no ConfigMap assay-config")


if __name__ == "__main__":
    unittest.main()
