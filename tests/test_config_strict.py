"""Stricter config checks (issue "nothing lost, nothing injected"): each case refused with exit 2, its path and a hint."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from app.config import load_config
from app.errors import ConfigError
from tests.conftest import DEFAULT_CONFIG, ROOT

BASE = DEFAULT_CONFIG.read_text()


def problems(tmp_path, text: str | None = None, **overrides) -> list:
    path = tmp_path / "c.yaml"
    path.write_text(BASE if text is None else text)
    with pytest.raises(ConfigError) as e:
        load_config(path, overrides=overrides or None)
    return e.value.problems


@pytest.mark.parametrize("field, value", [
    ("routing.endpoints", {"westus": "scoring-west.contoso.com\n"}),
    ("subscription_id", "00000000-0000-0000-0000-000000000000\n"),
    ("monitoring.receivers.webhooks", [{"name": "pager", "uri": "https://hooks.contoso.com/x\n"}]),
    ("tags.owner", "owner\r\nX-Injected: 1"),
    ("routing.probe.path", "/health\n"),
    ("naming.org", "contoso\n"),
])
def test_no_trailing_newline_or_control_character_anywhere(tmp_path, field, value):
    found = problems(tmp_path, **{field: value})
    assert any(p.code == "control-character" for p in found), [p.render() for p in found]


def test_patterns_match_the_whole_value():
    import re

    import app.config_schema as config

    text = "".join(p.read_text() for p in sorted((ROOT / "app").glob("config*.py")))  # every module of the config
    for pattern in re.findall(r'pattern=r"([^"]+)"', text) + [config._LOWER_ALNUM, config._CIDR, config._HOST,
                                                             config._EMAIL, config._RECEIVER, config._IMAGE]:
        assert pattern.endswith(r"\Z"), pattern  # "$" also matches before a final newline


@pytest.mark.parametrize("cidr", ["127.0.0.0/16", "169.254.0.0/16", "0.0.0.0/8", "100.64.0.0/16", "52.1.0.0/16"])
def test_address_spaces_are_rfc1918(tmp_path, cidr):
    found = problems(tmp_path, **{"network.address_spaces": {"eastus": cidr, "westus": "10.20.0.0/16"}})
    assert [p.code for p in found if p.path == "network.address_spaces.eastus"] == ["public-cidr"]


def test_rfc1918_ranges_pass():
    for cidr in ("10.30.0.0/16", "172.16.0.0/16", "192.168.0.0/20"):
        load_config(DEFAULT_CONFIG, overrides={"network.address_spaces": {"eastus": cidr, "westus": "10.20.0.0/16"}})


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "52.0.0.0/8", "52.0.0.0/15", "10.1.0.0/16", "52.170.12.1/32"])
def test_operator_ranges_are_public_and_no_broader_than_16(tmp_path, cidr):
    found = problems(tmp_path, **{"network.operator_ip_ranges": [cidr]})
    assert {p.code for p in found if p.path == "network.operator_ip_ranges[0]"} <= {"operator-range", "bad-cidr"}
    assert any(p.path == "network.operator_ip_ranges[0]" for p in found)


def test_a_public_16_is_the_broadest_operator_range():
    load_config(DEFAULT_CONFIG, overrides={"network.operator_ip_ranges": ["52.170.0.0/16"]})


def test_webhook_with_userinfo_is_refused_and_never_echoed(tmp_path):
    found = problems(tmp_path, **{"monitoring.receivers.webhooks": [{"name": "p", "uri": "https://u:s3cret@h.contoso.com/x"}]})
    (p,) = [p for p in found if p.code == "webhook-userinfo"]
    assert "s3cret" not in p.render()


def test_every_webhook_is_warned_to_land_in_state():
    cfg = load_config(DEFAULT_CONFIG, overrides={"monitoring.receivers.webhooks": [{"name": "p", "uri": "https://h.contoso.com/x"}]})
    (w,) = [w for w in cfg.warnings if w.code == "webhook-in-state"]
    assert "state" in w.hint


def test_names_are_unique_ignoring_case(tmp_path):
    found = problems(tmp_path, **{"hub.projects": ["fraud", "FRAUD"]})
    assert [p.code for p in found] == ["duplicate-project"]
    text = BASE.replace("    - name: cpu-train", "    - name: cpu-train\n      vm_size: Standard_D4s_v3\n    - name: CPU-Train", 1)
    assert "duplicate-cluster" in [p.code for p in problems(tmp_path, text)]


@pytest.mark.parametrize("old, new, read_as", [
    ("rpo_minutes: 30", "rpo_minutes: 010", "8"),
    ("high_business_impact: true", "high_business_impact: yes", "boolean"),
    ("private: true", "private: on", "boolean"),
    ("failed_over: false", "failed_over: no", "boolean"),
    ("size_tb: 50", "size_tb: 0x32", "50"),
    ("rto_minutes: 60", "rto_minutes: 1:00", "60"),
])
def test_yaml_11_surprises_are_refused_with_a_hint(tmp_path, old, new, read_as):
    assert old in BASE
    (p,) = problems(tmp_path, BASE.replace(old, new, 1))
    assert p.code == "yaml-syntax" and read_as in p.hint and "quote it" in p.hint


def test_quoted_yaml_11_words_are_text(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(BASE.replace("owner: ai-platform@contoso.com", "owner: 'no'"))
    assert load_config(path).tags.owner == "no"


def test_config_must_be_a_regular_file_and_a_fifo_never_blocks(tmp_path):
    fifo = tmp_path / "config.yaml"
    os.mkfifo(fifo)
    result: list = []
    t = threading.Thread(target=lambda: result.append(pytest.raises(ConfigError, load_config, fifo)), daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "reading a FIFO blocked"
    assert result[0].value.problems[0].code == "not-a-file"
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path)
    assert e.value.problems[0].code == "not-a-file"


@pytest.mark.parametrize("template", ["{code.x}.contoso.com", "{0}.contoso.com", "{region.__class__}.contoso.com"])
def test_a_bad_host_template_is_a_config_error_not_a_traceback(tmp_path, template):
    found = problems(tmp_path, **{"routing.host_template": template})
    assert {"bad-template", "string-pattern-mismatch"} & {p.code for p in found if p.path == "routing.host_template"}


def test_price_overrides_are_checked_by_synth_and_report_alike(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text(BASE.replace("backend:", "report:\n  price_overrides:\n    vm.standard_d4s_v4: 1.0\nbackend:", 1))
    for command in (["synth", "--out", str(tmp_path / "o")], ["report"]):
        run = subprocess.run([sys.executable, "main.py", *command, "--config", str(bad)], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 2 and "report.price_overrides.vm.standard_d4s_v4" in run.stderr, command
        assert "did you mean vm.standard_d4s_v3" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "o").exists()


def test_one_run_reports_every_problem(tmp_path):
    """A type error no longer hides the cross-field and name checks: four problems, one run."""
    text = (BASE.replace("rpo_minutes: 30", "rpo_minutes: thirty")
                .replace("version_retention_days: 30", "version_retention_days: 3")
                .replace("secondaries: [westus]", "secondaries: [westuss]")
                .replace("projects: [fraud-detection]", "projects: [fraud, FRAUD]"))
    found = {p.code: p.path for p in problems(tmp_path, text)}
    assert found == {"int-type": "targets.rpo_minutes", "version-retention": "training_data.version_retention_days",
                     "unknown-region": "regions.secondaries[0]", "duplicate-project": "hub.projects"}, found


def test_zone_redundancy_where_available_is_quiet_and_true_warns():
    quiet = load_config(DEFAULT_CONFIG)
    assert quiet.registry.zone_redundant == "where-available" and not [w for w in quiet.warnings if w.code == "no-zones"]
    assert quiet.replica_zone_redundant("eastus") is True and quiet.replica_zone_redundant("westus") is False
    loud = load_config(DEFAULT_CONFIG, overrides={"registry.zone_redundant": True})
    assert [w.value for w in loud.warnings if w.code == "no-zones"] == ["westus"]
    off = load_config(DEFAULT_CONFIG, overrides={"registry.zone_redundant": False})
    assert off.replica_zone_redundant("eastus") is False
