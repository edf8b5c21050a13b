"""The local Kafka topology is configuration: one node, or three with a static quorum, RF 3
and min ISR 2; bad port layouts are refused with a message naming the variable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from infra.engines import Engines
from infra.errors import EngineError
from infra.kafka_cluster import KafkaCluster
from infra.kafka_engine import kafka_nodes, server_properties
from infra.settings import InfraSettings


def _settings(tmp_path: Path, **values: object) -> InfraSettings:
    return InfraSettings(var_dir=tmp_path, **values)  # type: ignore[arg-type]


def _props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if not line.startswith("#"))


def test_three_nodes_listen_on_ports_two_apart(tmp_path: Path) -> None:
    s = _settings(
        tmp_path, kafka_nodes=3, kafka_bootstrap="127.0.0.1:29100", kafka_controller_port=29101
    )
    assert s.kafka_node_ports == [
        ("127.0.0.1", 29100, 29101),
        ("127.0.0.1", 29102, 29103),
        ("127.0.0.1", 29104, 29105),
    ]
    assert s.kafka_client_bootstrap == "127.0.0.1:29100,127.0.0.1:29102,127.0.0.1:29104"
    assert [n.name for n in kafka_nodes(s)] == ["kafka-1", "kafka-2", "kafka-3"]
    assert kafka_nodes(s)[1].home == tmp_path / "kafka-2"


def test_the_node_count_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUMAH_KAFKA_NODES", "3")
    assert InfraSettings(var_dir=tmp_path).kafka_nodes == 3


def test_a_bootstrap_list_must_name_the_nodes_that_will_run(tmp_path: Path) -> None:
    listed = "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096"
    assert _settings(tmp_path, kafka_nodes=3, kafka_bootstrap=listed).kafka_client_bootstrap == (
        listed
    )
    with pytest.raises(ValidationError, match="RUMAH_KAFKA_NODES=1"):
        _settings(tmp_path, kafka_bootstrap=listed)
    with pytest.raises(ValidationError, match="listen at 127.0.0.1:9092,127.0.0.1:9094"):
        _settings(tmp_path, kafka_nodes=3, kafka_bootstrap="127.0.0.1:9092,127.0.0.1:9095")


def test_colliding_node_ports_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="RUMAH_KAFKA_CONTROLLER_PORT"):
        _settings(
            tmp_path, kafka_nodes=3, kafka_bootstrap="127.0.0.1:9092", kafka_controller_port=9094
        )


def test_cluster_nodes_share_a_static_quorum_and_replicate_three_times(tmp_path: Path) -> None:
    s = _settings(tmp_path, kafka_nodes=3)
    nodes = kafka_nodes(s)
    props = _props(server_properties(s, nodes[1], nodes))
    assert props["node.id"] == "2"
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == (
        "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097"
    )
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:9095"
    assert props["log.dirs"] == str(tmp_path / "kafka-2" / "data")
    for key in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        assert props[key] == "3", key
    assert props["min.insync.replicas"] == "2"
    assert props["transaction.state.log.min.isr"] == "2"
    assert "controller.quorum.bootstrap.servers" not in props


def test_the_single_node_is_its_own_quorum_with_one_replica(tmp_path: Path) -> None:
    s = _settings(tmp_path)
    [node] = kafka_nodes(s)
    props = _props(server_properties(s, node, [node]))
    assert (node.name, node.home) == ("kafka", tmp_path / "kafka")
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:9093"
    assert props["default.replication.factor"] == "1"
    assert props["min.insync.replicas"] == "1"
    assert "controller.quorum.voters" not in props


def test_engine_names_are_groups_and_their_nodes(tmp_path: Path) -> None:
    engines = Engines(_settings(tmp_path, kafka_nodes=3))
    assert engines.names == [
        "kafka",
        "postgres",
        "ferretdb",
        "keycloak",
        "kafka-1",
        "kafka-2",
        "kafka-3",
    ]
    assert [m.name for m in engines.members("kafka")] == ["kafka-1", "kafka-2", "kafka-3"]
    assert [m.name for m in engines.members("kafka-2")] == ["kafka-2"]
    with pytest.raises(EngineError, match="expected one of kafka, postgres, ferretdb, keycloak"):
        engines.members("kafka-4")
    assert Engines(_settings(tmp_path)).names == ["kafka", "postgres", "ferretdb", "keycloak"]
    assert Engines(_settings(tmp_path, ferretdb_backend="sqlite")).names == [
        "kafka",
        "ferretdb",
        "keycloak",
    ]


def _record_election(node_data: Path, epoch: int, leader: int) -> None:
    state = node_data / "__cluster_metadata-0" / "quorum-state"
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps({"leaderId": leader, "leaderEpoch": epoch, "votedId": -1}))


def test_the_controller_is_the_leader_of_the_newest_election(tmp_path: Path) -> None:
    cluster = KafkaCluster(Engines(_settings(tmp_path, kafka_nodes=3)))
    with pytest.raises(EngineError, match="no node has recorded a quorum leader"):
        cluster.controller()
    _record_election(tmp_path / "kafka-1" / "data", epoch=4, leader=1)  # node 1 died as leader
    _record_election(tmp_path / "kafka-2" / "data", epoch=5, leader=3)
    _record_election(tmp_path / "kafka-3" / "data", epoch=5, leader=3)
    assert cluster.controller() == 3
    assert cluster.name(3) == "kafka-3"
    with pytest.raises(EngineError, match="no node 4"):
        cluster.name(4)
