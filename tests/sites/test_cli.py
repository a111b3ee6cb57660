"""``fanjing sites …`` as an operator runs it: a site, its manager's token, a refusal."""

from __future__ import annotations

from tests.cli_helpers import run_fanjing


def test_a_site_and_its_manager_and_a_bad_district(tmp_path):
    added = run_fanjing(
        tmp_path,
        "sites",
        "add",
        "朝阳一号观察点",
        "--district",
        "朝阳区",
        "--address",
        "某路1号",
        "--floors",
        "2",
        "--rooms-per-floor",
        "5",
    )
    assert added.returncode == 0, added.stderr
    assert "已登记观察点 #1 朝阳一号观察点（朝阳区），10 间" in added.stdout
    staff = run_fanjing(tmp_path, "sites", "staff", "add", "刘站长", "--site", "1")
    assert staff.returncode == 0, staff.stderr
    assert "令牌：fj_" in staff.stdout
    capacity = run_fanjing(tmp_path, "sites", "capacity")
    assert "房间 10  床位 10  入住 0  空房 10  消毒中 0" in capacity.stdout
    bad = run_fanjing(
        tmp_path, "sites", "add", "某点", "--district", "浦东新区", "--address", "某路"
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("错误：") and "district" in bad.stderr
    assert "Traceback" not in bad.stderr
