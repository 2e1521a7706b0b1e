"""Pins down what validate.py rejects, so `make deploy-check` passing means
something. Run by scripts/deploy-check.sh: python -m unittest deploy/tools/test_validate.py"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import validate  # noqa: E402

KUBERNETES_VERSION = "1.31.0"


def valid_installation():
    """The smallest set of objects that passes: one hardened Deployment, its
    Service, the Ingress with the admin route, and the ConfigMap."""
    pod_security = {"runAsNonRoot": True}
    container_security = {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    probe = {"httpGet": {"path": "/healthz", "port": "http"}}
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "assay-config"},
         "data": {"ASSAY_CLOUD_NAME": "demo"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
         "spec": {"selector": {"matchLabels": {"app": "api"}},
                  "template": {"metadata": {"labels": {"app": "api"}},
                               "spec": {"securityContext": pod_security, "containers": [{
                                   "name": "api", "image": "assay",
                                   "ports": [{"name": "http", "containerPort": 8080}],
                                   "envFrom": [{"configMapRef": {"name": "assay-config"}}],
                                   "livenessProbe": probe, "readinessProbe": probe,
                                   "resources": {"limits": {"memory": "1Gi"}},
                                   "securityContext": container_security}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"},
         "spec": {"selector": {"app": "api"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "assay"},
         "spec": {"rules": [{"http": {"paths": [
             {"path": "/v1_1/demo/resources", "pathType": "Prefix",
              "backend": {"service": {"name": "api", "port": {"name": "http"}}}}]}}]}},
    ]


def problems_with(change):
    objects = valid_installation()
    change({o["kind"]: o for o in objects})
    return (validate.schema_problems(objects, KUBERNETES_VERSION)
            + validate.consistency_problems(objects))


def container(objs):
    return objs["Deployment"]["spec"]["template"]["spec"]["containers"][0]


class ValidateTest(unittest.TestCase):
    def assert_rejected(self, change, expected):
        problems = problems_with(change)
        self.assertTrue(any(expected in p for p in problems), f"{expected!r} not in {problems}")

    def test_the_valid_installation_passes(self):
        self.assertEqual(problems_with(lambda objs: None), [])

    def test_unknown_fields_fail_the_schema(self):
        self.assert_rejected(lambda o: container(o).update(livenesProbe={}), "'livenesProbe' was unexpected")

    def test_kinds_without_a_schema_fail(self):
        self.assert_rejected(lambda o: o["Service"].update(apiVersion="example.com/v1"), "Couldn't find schema")

    def test_a_service_must_select_a_pod_template(self):
        self.assert_rejected(lambda o: o["Service"]["spec"].update(selector={"app": "other"}), "matches no pod template")

    def test_an_ingress_backend_must_exist(self):
        def rename_service(o):
            o["Service"]["metadata"]["name"] = "renamed"
        self.assert_rejected(rename_service, "missing Service api")

    def test_the_admin_route_must_name_the_configured_cloud(self):
        self.assert_rejected(lambda o: o["ConfigMap"]["data"].update(ASSAY_CLOUD_NAME="acme"), "does not match ASSAY_CLOUD_NAME")

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
        def rename_configmap(o):
            o["ConfigMap"]["metadata"]["name"] = "other"
        self.assert_rejected(rename_configmap, "no ConfigMap assay-config")


if __name__ == "__main__":
    unittest.main()
