#!/usr/bin/env python3
"""Validates rendered Kubernetes manifests (one multi-document YAML per overlay).

Two layers:
  1. every object against the Kubernetes JSON schema of a pinned version, in
     strict mode (unknown fields fail), with the schemas bundled in the
     `kubernetes-validate` wheel, so no network is needed;
  2. what schemas cannot see: references between objects (Service selectors,
     Ingress backends, autoscaler targets, ConfigMaps), the hardening every
     pod must carry, and the Ingress sending the Admin API (under the
     configured cloud name) to admin-api.

Exit status 1 and one line per problem if anything fails.
Usage: validate.py --kubernetes-version 1.31.0 FILE...
"""

import argparse
import sys

import yaml
from kubernetes_validate import utils as schemas

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "Job")
API_PREFIX = "/v1_1/"
ADMIN_ENDPOINTS = ("resources", "ping")
ADMIN_SERVICE = "admin-api"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubernetes-version", required=True)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    failed = False
    for path in args.files:
        with open(path) as f:
            objects = [o for o in yaml.safe_load_all(f) if o]
        problems = schema_problems(objects, args.kubernetes_version) + consistency_problems(objects)
        for problem in problems:
            print(f"{path}: {problem}")
        print(f"{path}: {len(objects)} objects, {'FAILED' if problems else 'ok'}")
        failed |= bool(problems) or not objects
    return 1 if failed else 0


def schema_problems(objects, version):
    problems = []
    for obj in objects:
        try:
            schemas.validate(obj, version, strict=True)
        except schemas.ValidationError as e:
            where = ".".join(str(p) for p in e.path)
            problems.append(f"{name_of(obj)}: {where}: {e.message}")
        except (schemas.SchemaNotFoundError, schemas.InvalidSchemaError) as e:
            # Unknown kinds are errors, not warnings: nothing unchecked ships.
            problems.append(f"{name_of(obj)}: {e.message}")
    return problems


def consistency_problems(objects):
    by_kind = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj
    workloads = [o for kind in WORKLOAD_KINDS for o in by_kind.get(kind, {}).values()]
    problems = []

    for workload in workloads:
        problems += pod_hardening_problems(workload)
        for container in containers_of(workload):
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef")
                if ref and ref["name"] not in by_kind.get("ConfigMap", {}):
                    problems.append(f"{name_of(workload)}: no ConfigMap {ref['name']}")

    for service in by_kind.get("Service", {}).values():
        pods = [w for w in workloads if selects(service["spec"].get("selector", {}), w)]
        if not pods:
            problems.append(f"{name_of(service)}: its selector matches no pod template")
        port_names = {p.get("name") for w in pods for c in containers_of(w) for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            target = port.get("targetPort")
            if isinstance(target, str) and target not in port_names:
                problems.append(f"{name_of(service)}: targetPort {target} is no container port")

    for ingress in by_kind.get("Ingress", {}).values():
        for rule in ingress["spec"].get("rules", []):
            for route in rule["http"]["paths"]:
                backend = route["backend"]["service"]
                service = by_kind.get("Service", {}).get(backend["name"])
                port = backend["port"].get("name")
                if service is None:
                    problems.append(f"{name_of(ingress)}: {route['path']} -> missing Service {backend['name']}")
                elif port and port not in {p.get("name") for p in service["spec"]["ports"]}:
                    problems.append(f"{name_of(ingress)}: {route['path']} -> {backend['name']} has no port {port}")
        problems += admin_route_problems(ingress, by_kind.get("ConfigMap", {}).values())

    for hpa in by_kind.get("HorizontalPodAutoscaler", {}).values():
        target = hpa["spec"]["scaleTargetRef"]
        if target["name"] not in by_kind.get(target["kind"], {}):
            problems.append(f"{name_of(hpa)}: no {target['kind']} {target['name']} to scale")

    for pdb in by_kind.get("PodDisruptionBudget", {}).values():
        if not any(selects(pdb["spec"]["selector"]["matchLabels"], w) for w in workloads):
            problems.append(f"{name_of(pdb)}: its selector matches no pod template")

    return problems


def pod_hardening_problems(workload):
    """Non-root, no privilege escalation, no capabilities, read-only root,
    bounded memory; long-running services also need both probes."""
    pod = workload["spec"]["template"]["spec"]
    problems = []
    if not pod.get("securityContext", {}).get("runAsNonRoot"):
        problems.append(f"{name_of(workload)}: pod securityContext lacks runAsNonRoot: true")
    for c in containers_of(workload):
        where = f"{name_of(workload)}: container {c['name']}"
        security = c.get("securityContext", {})
        if security.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation must be false")
        if security.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem must be true")
        if "ALL" not in security.get("capabilities", {}).get("drop", []):
            problems.append(f"{where}: must drop ALL capabilities")
        if "memory" not in c.get("resources", {}).get("limits", {}):
            problems.append(f"{where}: no memory limit")
        if workload["kind"] != "Job":
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in c:
                    problems.append(f"{where}: no {probe}")
    return problems


def admin_route_problems(ingress, configmaps):
    """Paths under `/v1_1/<cloud>/` must name the configured cloud, and the
    Admin API's (`resources`, `ping`) must reach admin-api: the SDKs use one
    base URL for both APIs."""
    clouds = {cm.get("data", {}).get("ASSAY_CLOUD_NAME") for cm in configmaps} - {None}
    routes = {
        route["path"]: route["backend"]["service"]["name"]
        for rule in ingress["spec"].get("rules", [])
        for route in rule["http"]["paths"]
    }
    problems = []
    for path in routes:
        segments = path.split("/")
        if path.startswith(API_PREFIX) and (len(segments) < 3 or segments[2] not in clouds):
            problems.append(f"{name_of(ingress)}: route {path} does not match ASSAY_CLOUD_NAME {sorted(clouds)}")
    for cloud in clouds:
        for endpoint in ADMIN_ENDPOINTS:
            path = f"{API_PREFIX}{cloud}/{endpoint}"
            if routes.get(path) != ADMIN_SERVICE:
                problems.append(f"{name_of(ingress)}: {path} must route to {ADMIN_SERVICE}")
    return problems


def containers_of(workload):
    pod = workload["spec"]["template"]["spec"]
    return pod.get("initContainers", []) + pod["containers"]


def selects(selector, workload):
    labels = workload["spec"]["template"]["metadata"].get("labels", {})
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def name_of(obj):
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


if __name__ == "__main__":
    sys.exit(main())
