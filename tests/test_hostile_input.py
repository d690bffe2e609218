"""Hostile input: values no parser should choke on, names that would act on a terminal, sizes
no cluster has. Each ends with one `Error:` line (exit 1, nothing written), never a traceback.

The classes: integers beyond Python's int-string limit, lone surrogates, infinite and huge
quantities on every input path, messages that quote multi-line or enormous input, names with
controls or beyond Kubernetes' lengths, malformed Service ports, an empty --out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, run_cli
from tests.test_bad_input import assert_user_error, size

DIGITS = "9" * 5000


def deployment(**fields: Any) -> dict[str, Any]:
    """A Deployment `shop/web`, with `fields` merged over it (dotted keys reach inside)."""
    obj: dict[str, Any] = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "web"}}}},
    }
    for dotted, value in fields.items():
        *parents, last = dotted.split(".")
        node = obj
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return obj


def service(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"selector": {"app": "web"}, **spec},
    }


def write_json(tmp_path: Path, *objects: dict[str, Any], name: str = "apps.json") -> str:
    text = json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
    (tmp_path / name).write_text(text, encoding="utf-8")
    return name


def write_text(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return name


# ---- values the parsers cannot build --------------------------------------------------------


def test_an_integer_beyond_the_int_string_limit_in_yaml(tmp_path: Path) -> None:
    name = write_text(
        tmp_path,
        "apps.yaml",
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n"
        f"  replicas: {DIGITS}\n",
    )
    assert_user_error(
        size(tmp_path, name),
        tmp_path,
        "apps.yaml: a value cannot be read (a number has more than 4,300 digits); fix the file or "
        "export it again with kubectl get -o yaml|json",
    )


def test_an_integer_beyond_the_int_string_limit_in_json(tmp_path: Path) -> None:
    text = json.dumps(deployment()).replace('"replicas": 1', f'"replicas": {DIGITS}')
    name = write_text(tmp_path, "apps.json", text)
    assert_user_error(
        size(tmp_path, name),
        tmp_path,
        "apps.json: a value cannot be read (a number has more than 4,300 digits); fix the file or "
        "export it again with kubectl get -o yaml|json",
    )


def test_a_date_yaml_cannot_build(tmp_path: Path) -> None:
    name = write_text(
        tmp_path,
        "apps.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, created: 2026-13-45}\n",
    )
    assert_user_error(
        size(tmp_path, name),
        tmp_path,
        "apps.yaml: a value cannot be read (month must be in 1..12); fix the file or export it "
        "again with kubectl get -o yaml|json",
    )


@pytest.mark.parametrize(
    "field",
    ["metadata.name", "metadata.namespace", "kind", "spec.template.metadata.labels.app"],
)
def test_a_lone_surrogate_in_json(field: str, tmp_path: Path) -> None:
    marker = "\ue000"  # replaced by the escape of a lone surrogate once written as JSON
    text = json.dumps(deployment(**{field: f"web{marker}"}))
    name = write_text(tmp_path, "apps.json", text.replace("\\ue000", "\\ud800"))
    assert_user_error(
        size(tmp_path, name),
        tmp_path,
        'apps.json object 1: the text "web\\ud800" holds a lone UTF-16 surrogate, which is not a '
        "character; fix the file or export it again",
    )


def test_a_valid_surrogate_pair_is_text(tmp_path: Path) -> None:
    obj = deployment(**{"metadata.annotations": {"note": "ok \U0001f600"}})
    name = write_text(tmp_path, "apps.json", json.dumps(obj, ensure_ascii=True))
    assert "\\ud83d\\ude00" in (tmp_path / name).read_text(encoding="utf-8")
    run = size(tmp_path, name)
    assert (run.exit_code, run.stdout) == (0, "planner-out/plan.json\n")


# ---- quantities: the same bounds whichever input carries them --------------------------------


@pytest.mark.parametrize(
    ("annotation", "value", "problem"),
    [
        ("proxyCPU", "1e999", '"1e999" is more than 1,000,000 millicores'),
        ("proxyCPU", "1e300", '"1e300" is more than 1,000,000 millicores'),
        ("proxyCPU", 1e300, '"1e+300" is more than 1,000,000 millicores'),
        ("proxyCPU", "1001", '"1001" is more than 1,000,000 millicores'),
        ("proxyMemory", "10Ti", '"10Ti" is more than 10,000,000 MiB'),
        ("proxyMemory", "-1Mi", '"-1Mi" is negative'),
        ("proxyMemory", "lots", '"lots" is not a Kubernetes quantity'),
    ],
)
def test_proxy_annotations_have_the_tables_bounds(
    annotation: str, value: object, problem: str, tmp_path: Path
) -> None:
    key = f"sidecar.istio.io/{annotation}"
    name = write_json(tmp_path, deployment(**{"spec.template.metadata.annotations": {key: value}}))
    example = "250m" if annotation == "proxyCPU" else "256Mi"
    assert_user_error(
        size(tmp_path, name),
        tmp_path,
        f'apps.json object 1 (Deployment shop/web) field metadata.annotations["{key}"] of the '
        f"pod template: {problem}; write a quantity such as {example}",
    )


def test_a_proxy_annotation_that_is_not_a_scalar(tmp_path: Path) -> None:
    key = "sidecar.istio.io/proxyCPU"
    obj = deployment(**{"spec.template.metadata.annotations": {key: ["1"]}})
    assert_user_error(
        size(tmp_path, write_json(tmp_path, obj)),
        tmp_path,
        f'apps.json object 1 (Deployment shop/web) field metadata.annotations["{key}"]: a list is '
        "not a Kubernetes quantity; write a quantity such as 250m or 128Mi",
    )


@pytest.mark.parametrize("column", ["proxy_cpu_millicores", "current_proxy_cpu_millicores"])
def test_table_quantities_keep_their_bounds(column: str, tmp_path: Path) -> None:
    write_text(tmp_path, "cluster.csv", f"namespace,workload,replicas,{column}\nshop,web,1,1e300\n")
    assert_user_error(
        size(tmp_path, "cluster.csv"),
        tmp_path,
        f'cluster.csv row 2 column {column}: "1e300" is more than 1,000,000 millicores; write a '
        "number of millicores such as 12.5",
    )


# ---- one line, whatever the input holds -------------------------------------------------------


def test_a_cell_with_a_quoted_newline_is_quoted_on_one_line(tmp_path: Path) -> None:
    write_text(tmp_path, "cluster.csv", 'namespace,workload,replicas\nshop,web,"3\nfoo"\n')
    assert_user_error(
        size(tmp_path, "cluster.csv"),
        tmp_path,
        'cluster.csv row 2 column replicas: "3\\nfoo" is not a whole number; write a whole number '
        "of pods such as 3",
    )


def test_a_huge_cell_is_cut_in_the_message(tmp_path: Path) -> None:
    write_text(tmp_path, "cluster.csv", "namespace,workload,replicas\nshop,web," + "x" * 40000)
    assert_user_error(
        size(tmp_path, "cluster.csv"),
        tmp_path,
        f'cluster.csv row 2 column replicas: "{"x" * 80}..." (40,000 characters) is not a whole '
        "number; write a whole number of pods such as 3",
    )


def test_a_huge_unknown_header_is_cut(tmp_path: Path) -> None:
    header = "y" * 5000
    write_text(tmp_path, "cluster.csv", f"namespace,workload,replicas,{header}\nshop,web,1,2\n")
    run = size(tmp_path, "cluster.csv")
    assert run.exit_code == 0
    plan = json.loads((tmp_path / "planner-out" / "plan.json").read_text(encoding="utf-8"))
    ignored = [f["message"] for f in plan["findings"] if f["code"] == "columns-ignored"]
    assert ignored == [
        f'columns not used by mesh-planner were ignored: "{"y" * 80}..." (5,000 characters)'
    ]


def test_a_yaml_reader_error_is_one_line(tmp_path: Path) -> None:
    name = write_text(tmp_path, "apps.yaml", 'kind: Deployment\nmetadata: {name: "a\x1b"}\n')
    assert_user_error(
        size(tmp_path, name),
        tmp_path,
        'apps.yaml line 2: not valid YAML (the character "\\x1b" is not allowed in YAML); '
        "remove it",
    )


def test_a_yaml_parser_error_is_one_line(tmp_path: Path) -> None:
    name = write_text(tmp_path, "apps.yaml", "a: [\nb: 'x\n")
    run = size(tmp_path, name)
    assert run.exit_code == 1
    assert run.stderr.count("\n") == 1
    assert run.stderr.startswith("Error: apps.yaml line ")


def test_control_characters_in_a_file_name_are_escaped(tmp_path: Path) -> None:
    name = "bad\x1b[2Jname.csv"
    assert_user_error(
        size(tmp_path, name),
        tmp_path,
        "bad\\x1b[2Jname.csv: file not found; check the path",
    )


# ---- names: one rule for every input path -----------------------------------------------------


@pytest.mark.parametrize(
    ("character", "shown"),
    [("\x1b", "\\x1b"), ("\x07", "\\x07"), ("\x00", "\\x00"), ("\n", "\\n"), ("\x9b", "\\x9b")],
)
@pytest.mark.parametrize("field", ["name", "namespace"])
def test_manifest_names_with_control_characters(
    field: str, character: str, shown: str, tmp_path: Path
) -> None:
    obj = deployment(**{f"metadata.{field}": f"we{character}b"})
    assert_user_error(
        size(tmp_path, write_json(tmp_path, obj)),
        tmp_path,
        f"apps.json object 1 (Deployment) field metadata.{field}: the name holds a control "
        f'character ("{shown}"); fix the manifest',
    )


def test_a_control_character_in_a_services_cell(tmp_path: Path) -> None:
    write_text(
        tmp_path, "cluster.csv", 'namespace,workload,replicas,services\nshop,web,1,"a;b\x07"\n'
    )
    assert_user_error(
        size(tmp_path, "cluster.csv"),
        tmp_path,
        'cluster.csv row 2 column services: Service "b\\x07": the name holds a control character '
        '("\\x07"); fix the name',
    )


def test_a_control_character_in_a_service_entry_host(tmp_path: Path) -> None:
    entry = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": {"name": "ext", "namespace": "shop"},
        "spec": {"hosts": ["api.example.com", "evil\x1b.example.com"]},
    }
    assert_user_error(
        size(tmp_path, write_json(tmp_path, deployment(), entry)),
        tmp_path,
        "apps.json object 2 (ServiceEntry shop/ext) field spec.hosts[1]: the host name holds a "
        'control character ("\\x1b"); fix the manifest',
    )


@pytest.mark.parametrize(
    ("column", "length", "limit"),
    [("namespace", 64, 63), ("workload", 254, 253), ("workload", 190_000, 253)],
)
def test_table_names_beyond_kubernetes_lengths(
    column: str, length: int, limit: int, tmp_path: Path
) -> None:
    cells = {"namespace": "shop", "workload": "web"}
    cells[column] = "a" * length
    write_text(
        tmp_path,
        "cluster.csv",
        f"namespace,workload,replicas\n{cells['namespace']},{cells['workload']},1\n",
    )
    assert_user_error(
        size(tmp_path, "cluster.csv"),
        tmp_path,
        f"cluster.csv row 2 column {column}: the name is {length:,} characters long, more than "
        f"the {limit} Kubernetes allows; fix the name",
    )


@pytest.mark.parametrize(("field", "length", "limit"), [("namespace", 64, 63), ("name", 254, 253)])
def test_manifest_names_beyond_kubernetes_lengths(
    field: str, length: int, limit: int, tmp_path: Path
) -> None:
    obj = deployment(**{f"metadata.{field}": "a" * length})
    assert_user_error(
        size(tmp_path, write_json(tmp_path, obj)),
        tmp_path,
        f"apps.json object 1 (Deployment) field metadata.{field}: the name is {length:,} "
        f"characters long, more than the {limit} Kubernetes allows; fix the manifest",
    )


def test_traffic_names_follow_the_same_rule(tmp_path: Path) -> None:
    write_text(tmp_path, "cluster.csv", "namespace,workload,replicas\nshop,web,1\n")
    write_text(
        tmp_path,
        "traffic.csv",
        "source_namespace,source_workload,destination_namespace,destination_service,rps\n"
        f"shop,web,{'n' * 64},web,1\n",
    )
    assert_user_error(
        size(tmp_path, "cluster.csv", "--traffic", "traffic.csv"),
        tmp_path,
        "traffic.csv row 2 column destination_namespace: the name is 64 characters long, more "
        "than the 63 Kubernetes allows; fix the name",
    )


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("Deploy ment", '"Deploy ment" is not a Kubernetes kind'),
        ("Deployment\x1b", '"Deployment\\x1b" is not a Kubernetes kind'),
    ],
)
def test_a_kind_that_is_not_a_kind(kind: str, message: str, tmp_path: Path) -> None:
    assert_user_error(
        size(tmp_path, write_json(tmp_path, deployment(kind=kind))),
        tmp_path,
        f"apps.json object 1: kind {message} (letters and digits, such as Deployment); fix the "
        "manifest",
    )


def test_an_api_version_that_is_not_one(tmp_path: Path) -> None:
    assert_user_error(
        size(tmp_path, write_json(tmp_path, deployment(apiVersion="apps/v1\n"))),
        tmp_path,
        'apps.json object 1 (Deployment web) field apiVersion: "apps/v1\\n" is not an API version '
        "(such as apps/v1 or v1); fix the manifest",
    )


# ---- Service ports ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ports", "problem"),
    [
        ("80", "field spec.ports: expected a list, found text; fix the manifest"),
        (["http"], "field spec.ports[0]: expected a mapping, found text; fix the manifest"),
        (
            [{"name": "http"}],
            "field spec.ports[0].port: is missing; write a whole number from 1 to 65,535",
        ),
        (
            [{"port": 70000}],
            'field spec.ports[0].port: "70000" is not a port number; write a whole number from '
            "1 to 65,535",
        ),
        (
            [{"port": "80"}],
            'field spec.ports[0].port: "80" is not a port number; write a whole number from 1 to '
            "65,535",
        ),
        (
            [{"port": True}],
            "field spec.ports[0].port: true/false is not a port number; write a whole number from "
            "1 to 65,535",
        ),
        (
            [{"port": 80, "name": 7}],
            "field spec.ports[0].name: a number is not text; fix the manifest",
        ),
        (
            [{"port": 80, "appProtocol": {"x": 1}}],
            "field spec.ports[0].appProtocol: a mapping is not text; fix the manifest",
        ),
    ],
)
def test_service_ports_are_checked(ports: object, problem: str, tmp_path: Path) -> None:
    assert_user_error(
        size(tmp_path, write_json(tmp_path, deployment(), service(ports=ports))),
        tmp_path,
        f"apps.json object 2 (Service shop/web) {problem}",
    )


def test_service_entry_ports_are_checked(tmp_path: Path) -> None:
    entry = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": {"name": "ext", "namespace": "shop"},
        "spec": {"hosts": ["api.example.com"], "ports": [{"number": 0, "name": "https"}]},
    }
    assert_user_error(
        size(tmp_path, write_json(tmp_path, deployment(), entry)),
        tmp_path,
        'apps.json object 2 (ServiceEntry shop/ext) field spec.ports[0].number: "0" is not a port '
        "number; write a whole number from 1 to 65,535",
    )


def test_well_formed_ports_are_counted(tmp_path: Path) -> None:
    ports = [{"port": 80, "name": "http", "targetPort": "web"}, {"port": 443, "protocol": "TCP"}]
    run = size(tmp_path, write_json(tmp_path, deployment(), service(ports=ports)))
    assert run.exit_code == 0, run.stderr
    plan = json.loads((tmp_path / "planner-out" / "plan.json").read_text(encoding="utf-8"))
    assert plan["workloads"][0]["workload"] == "web"


# ---- --out -------------------------------------------------------------------------------------


@pytest.mark.parametrize("out", ["", " "])
def test_an_empty_out_is_refused(out: str, tmp_path: Path) -> None:
    write_text(tmp_path, "cluster.csv", "namespace,workload,replicas\nshop,web,1\n")
    run = run_cli(["size", "--inventory", "cluster.csv", "--out", out], tmp_path)
    assert run == Run(
        exit_code=2,
        stdout="",
        stderr="Usage: planner size [OPTIONS]\nTry 'planner size --help' for help.\n\nError: "
        "Invalid value for '--out' / '-o': the folder name is empty; name the folder to write "
        "to\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cluster.csv"]


def test_a_file_name_with_controls_is_escaped_in_the_summary(tmp_path: Path) -> None:
    # a manifest without namespaces makes a finding whose subject is the file's name
    name = "apps\x1b[2J.json"
    obj = deployment()
    del obj["metadata"]["namespace"]
    (tmp_path / name).write_text(json.dumps(obj), encoding="utf-8")
    run = size(tmp_path, name)
    assert run.exit_code == 0
    assert "\x1b" not in run.stderr
    assert "apps\\x1b[2J.json" in run.stderr


def test_plan_json_is_model_dump_json_to_the_byte(tmp_path: Path) -> None:
    """reports.plan_json writes the serializer's bytes without decoding them: the same bytes
    as model_dump_json(indent=2) encoded, for names that look like markup or formulas."""
    from reports.plan_json import PLAN_FILE, render_json
    from tests.plans import hostile_plan

    plan = hostile_plan(tmp_path)
    text = plan.model_dump_json(indent=2)
    assert "<script>alert(1)</script>" in text
    assert "=HYPERLINK" in text
    assert render_json(plan)[PLAN_FILE] == (text + "\n").encode("utf-8")


def test_plan_json_with_its_scoping_written_apart_is_the_same_bytes(tmp_path: Path) -> None:
    """The scoping written out on its own (the CLI does it in a child) and spliced in gives the
    bytes of the whole plan written at once, for names that look like JSON, markup or formulas."""
    from reports.plan_json import PLAN_FILE, render_json, render_scoping
    from tests.plans import hostile_plan

    plan = hostile_plan(tmp_path)
    assert plan.scoping is not None
    scoping = plan.scoping
    whole = render_json(plan)[PLAN_FILE]
    assert render_json(plan, scoping=lambda: render_scoping(scoping))[PLAN_FILE] == whole
    assert b'\n  "scoping": {\n    "mechanism": ' in whole


def test_yaml_files_are_read_by_the_fast_safe_loader() -> None:
    """Profiles, scenarios, prices and manifests are parsed by PyYAML's C parser where it has
    one (CI's PyYAML does), with the safe constructor."""
    import yaml

    from planner import yamltext

    assert yamltext.SAFE_LOADER in (yaml.SafeLoader, getattr(yaml, "CSafeLoader", None))
    if yaml.__with_libyaml__:
        assert yamltext.SAFE_LOADER is yaml.CSafeLoader
    assert yamltext.safe_load("a: [1, 2.5, x]\n") == {"a": [1, 2.5, "x"]}


@pytest.mark.parametrize("flag", ["--profile", "--scenario", "--prices"])
def test_a_yaml_file_with_a_python_tag_is_refused_and_nothing_runs(
    tmp_path: Path, flag: str
) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "given.yaml"
    path.write_text(f"mesh: !!python/object/apply:os.system ['touch {marker}']\n")
    run = size(tmp_path, "data/cluster.csv", flag, str(path))
    assert_user_error(run, tmp_path, f"{path} line 1: not valid YAML; fix the syntax there")
    assert not marker.exists()
