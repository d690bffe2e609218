"""Write the sample's earlier quarters into data/history/ from the sample itself (data/), with a
known growth law, so that a review and a forecast have a history to read.

Quarter k before the sample's (2026-11-20) has k fewer replicas in every Deployment that runs 4
or more today (the busy services scaled out one pod a quarter), and every request rate divided
by 1.20^k (traffic grows 20 % a quarter), the inventory's `rps` and `outbound_rps` columns and
the traffic table alike; observed proxy usage is left as it is. One workload is new this quarter
(payments/ gift-cards: absent from every earlier quarter, with its Service and its traffic) and
one was retired this quarter (catalog/legacy-search: present in every earlier quarter, called by
storefront/mobile-bff at 40 rps / 1.20^k). Deterministic: run it again and nothing changes.

    .venv/bin/python tools/snapshots.py
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
QUARTERS = {1: "2026-08-20", 2: "2026-05-20", 3: "2026-02-20"}
SCALED_FROM = 4
TRAFFIC_GROWTH = 1.20
NEW = ("payments", "gift-cards")
RETIRED = ("catalog", "legacy-search")


def _read(name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _rate(text: str, k: int) -> str:
    return "" if text == "" else f"{float(text) / TRAFFIC_GROWTH**k:.2f}"


def main() -> None:
    cluster_header, cluster = _read("cluster.csv")
    services_header, services = _read("services.csv")
    traffic_header, traffic = _read("traffic.csv")
    for k, day in QUARTERS.items():
        folder = DATA / "history" / day
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for row in cluster:
            if (row["namespace"], row["workload"]) == NEW:
                continue
            replicas = int(row["replicas"])
            scaled = row["kind"] == "Deployment" and replicas >= SCALED_FROM
            grown = replicas - k if scaled else replicas
            rows.append(
                {
                    **row,
                    "replicas": str(grown),
                    "rps": _rate(row["rps"], k),
                    "outbound_rps": _rate(row["outbound_rps"], k),
                }
            )
        retired = dict.fromkeys(cluster_header, "")
        retired.update(
            namespace=RETIRED[0],
            workload=RETIRED[1],
            replicas="2",
            kind="Deployment",
            services=RETIRED[1],
            mesh_injected="true",
            role="workload",
        )
        rows.append(retired)
        rows.sort(key=lambda r: (r["namespace"], r["workload"]))
        _write(folder / "cluster.csv", cluster_header, rows)
        kept = [s for s in services if (s["namespace"], s.get("workload", "")) != NEW]
        kept.append(
            {
                **dict.fromkeys(services_header, ""),
                "namespace": RETIRED[0],
                "service": RETIRED[1],
                "ports": "1",
                "type": "ClusterIP",
                "protocol": "http",
                "workload": RETIRED[1],
            }
        )
        kept.sort(key=lambda s: (s["namespace"], s["service"], s.get("workload", "")))
        _write(folder / "services.csv", services_header, kept)
        edges = [
            {**e, "rps": _rate(e["rps"], k)}
            for e in traffic
            if (e["source_namespace"], e["source_workload"]) != NEW
            and (e["destination_namespace"], e["destination_service"]) != NEW
        ]
        edges.append(
            {
                **dict.fromkeys(traffic_header, ""),
                "source_namespace": "storefront",
                "source_workload": "mobile-bff",
                "destination_namespace": RETIRED[0],
                "destination_service": RETIRED[1],
                "rps": _rate("40", k),
            }
        )
        _write(folder / "traffic.csv", traffic_header, edges)


if __name__ == "__main__":
    main()
