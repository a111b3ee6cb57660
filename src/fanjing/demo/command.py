"""``fanjing demo`` (what ``make run`` runs): the server on a fresh SQLite database of the demo's
data (seed.py), with the clock set to its day; the logins are printed."""

from __future__ import annotations

import shutil
from typing import Annotated

import typer

from fanjing.demo import DEMO_DAY
from fanjing.demo.seed import ROLES_ZH, seed_demo
from fanjing.infra.console import command_settings
from fanjing.infra.crypto import load_field_cipher
from fanjing.infra.db import open_database
from fanjing.places.gazetteer import Gazetteer

LOGINS_ZH = {
    **ROLES_ZH,
    "cdc2": "第二位疾控人员（批准另一位上传的政策包）",
    "employer": "单位（北京示例科技有限公司：员工张三、李四、赵六）",
}


def demo(
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
) -> None:
    """演示：在新的 SQLite 演示库上启动服务，时钟定在 2021-08-07，并打印各角色的登录令牌。"""
    from fanjing.web.server import run_server

    settings = command_settings()
    folder = settings.var_dir / "demo"
    shutil.rmtree(folder, ignore_errors=True)  # a fresh demo every time
    demo_settings = settings.model_copy(
        update={
            "var_dir": folder,
            "database_url": f"sqlite:///{folder / 'fanjing.db'}",
            "today": DEMO_DAY,
        }
    )
    typer.echo("正在准备演示数据（风险地区、角色、居民、行程、个案、单位、接种、热线知识库）……")
    engine = open_database(demo_settings.database_url)
    seeded = seed_demo(
        engine, load_field_cipher(demo_settings), Gazetteer(), demo_settings.clock.now()
    )
    engine.dispose()
    typer.echo(f"演示时钟：{DEMO_DAY}。登录令牌（在 http://{host}:{port}/login 粘贴）：")
    for role, token in seeded.tokens.items():
        typer.echo(f"  {LOGINS_ZH[role]}：{token}")
    run_server(demo_settings, host=host, port=port, workers=1)
