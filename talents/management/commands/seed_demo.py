"""``manage.py seed_demo``: fill an empty database with a township's worth of demo data."""

from __future__ import annotations

import argparse
import contextlib
import secrets
import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from django.db import connection, transaction

from talents import demo

HELP = """写入演示数据：一个乡的村(社区)、站所单位、班子成员、优秀人才、两个届期的结对、联系记录、
意见建议、诉求台账、重大事项、推荐、工作反馈和村年度报告。同一 --seed 生成同样的数据。
--scale demo：12 个村(社区)、8 个乡属单位、15 名乡班子成员、4 名村级联系人、60 名人才；
--scale county：20 个乡镇（约 1200 名人才、300 名乡班子成员、6 万条联系记录、1 万条诉求）；
--scale stress：334 个乡镇（约 2 万名人才、100 万条联系记录），用于压力测试，需几分钟；
--townships N：改变乡镇个数，每个乡镇的数据量仍按所选规模。
账号（密码均为 --password，缺省时随机生成并打印一次）：
office 党建办工作人员；leader 乡党委领导（只读）；cadre01… 乡班子成员；vcadre01… 村委联系人（村级结对）；
village01… 村(社区)党组织书记；liaison01… 乡属单位联络员。
数据库已有人才、单位、班子成员、届期或演示账号时拒绝执行，除非加 --flush（先删除全部业务数据和演示账号）；
加 --if-empty 则跳过并正常退出（供 make run 使用）。"""


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keep the line breaks of the description: argparse would run the Chinese text together."""


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--scale",
            choices=list(demo.SCALES),
            default="demo",
            help="demo（一个乡）、county（20 个乡镇）或 stress（334 个乡镇）",
        )
        parser.add_argument("--townships", type=int, default=None, help="乡镇个数（缺省按规模）")
        parser.add_argument("--password", default="", help="所有演示账号的密码；缺省时随机生成并打印")
        parser.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="随机种子（缺省 %(default)s）")
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument("--flush", action="store_true", help="先删除全部业务数据和演示账号")
        existing.add_argument("--if-empty", action="store_true", help="数据库已有数据时跳过，不报错")

    def handle(
        self,
        *args,
        scale: str,
        password: str,
        seed: int,
        flush: bool,
        if_empty: bool,
        townships: int | None = None,
        **options,
    ) -> None:
        if townships is not None and townships < 1:
            raise CommandError("--townships 至少为 1。")
        generated = not password
        password = password or secrets.token_urlsafe(9)
        started = time.monotonic()
        with _fast_sqlite(), transaction.atomic():
            found = demo.existing_data()
            if found and not flush:
                listing = "、".join(f"{label} {n}" for label, n in found.items())
                if if_empty:
                    self.stdout.write(f"数据库中已有数据（{listing}），跳过写入演示数据。")
                    return
                raise CommandError(
                    f"数据库中已有数据（{listing}），未写入演示数据。如确需清空后重新生成，请加 --flush。"
                )
            if flush:
                demo.flush()
            try:
                result = demo.seed(password=password, scale=scale, seed=seed, townships=townships)
            except LookupError as error:
                raise CommandError("角色组不存在，请先运行 python manage.py migrate。") from error
        self._summary(result, scale=scale, seed=seed, seconds=time.monotonic() - started)
        self._accounts(result.accounts, password=password if generated else None, verbosity=options["verbosity"])

    def _summary(self, result: demo.SeedResult, *, scale: str, seed: int, seconds: float) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"已写入演示数据（规模 {scale}，随机种子 {seed}，用时 {seconds:.1f} 秒）：")
        )
        self.stdout.write("　" + "，".join(f"{label} {n}" for label, n in result.counts.items()))

    def _accounts(self, accounts: list[demo.Account], *, password: str | None, verbosity: int) -> None:
        if password:
            self.stdout.write(f"演示账号的密码（随机生成，只显示这一次）：{password}")
        else:
            self.stdout.write("演示账号的密码：--password 指定的密码")
        self.stdout.write(_pad("用户名", 12) + _pad("角色", 26) + "人员")
        shown = accounts if len(accounts) <= 60 or verbosity > 1 else self._first_of_each_role(accounts)
        for account in shown:
            self.stdout.write(_pad(account.username, 12) + _pad(account.role, 26) + account.who)
        if len(shown) < len(accounts):
            self.stdout.write(f"……共 {len(accounts)} 个账号，每种角色只列前三个；加 -v 2 列出全部。")

    @staticmethod
    def _first_of_each_role(accounts: list[demo.Account]) -> list[demo.Account]:
        seen: dict[str, int] = {}
        shown = []
        for account in accounts:
            seen[account.role] = seen.get(account.role, 0) + 1
            if seen[account.role] <= 3:
                shown.append(account)
        return shown


@contextlib.contextmanager
def _fast_sqlite():
    """On SQLite, this connection only: no fsync and a large page cache while seeding, as before after.

    One transaction writes everything, so a crash leaves the database as it was (WAL mode)."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:  # SQLite refuses it inside one
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        synchronous = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size")
        cache_size = cursor.fetchone()[0]
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-262144")  # 256 MB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={int(synchronous)}")
            cursor.execute(f"PRAGMA cache_size={int(cache_size)}")


def _pad(text: str, width: int) -> str:
    """Pad to a terminal width: Chinese characters take two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 1)
