"""The coordinator's side of the sharded itinerary (``fanjing.itinerary.shards``): its
foreign servers, one a shard, and its ``itinerary_visit`` made of their foreign tables."""

from __future__ import annotations

from sqlalchemy import Connection, text

SERVER_PREFIX = "itinerary_shard_"


def attached_servers(connection: Connection) -> list[dict[str, str]]:
    """The host, port and database of each shard the coordinator has, in order."""
    rows = connection.execute(
        text(
            "SELECT srvoptions FROM pg_foreign_server WHERE srvname LIKE :prefix ORDER BY srvname"
        ),
        {"prefix": f"{SERVER_PREFIX}%"},
    )
    keys = ("host", "port", "dbname")
    return [
        {k: v for k, v in (o.split("=", 1) for o in options) if k in keys} for (options,) in rows
    ]


def has_visits(connection: Connection) -> bool:
    return bool(connection.scalar(text("SELECT EXISTS (SELECT FROM itinerary_visit)")))


def partition_by_phone_hash(connection: Connection) -> None:
    """Make ``itinerary_visit`` an empty table partitioned by phone hash (its rows are lost)."""
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgres_fdw"))
    connection.execute(text("DROP TABLE itinerary_visit"))
    connection.execute(
        text(
            'CREATE TABLE itinerary_visit (phone_hash varchar(64) COLLATE "C" NOT NULL, '
            'visit_date date NOT NULL, city varchar(100) COLLATE "C" NOT NULL) '
            "PARTITION BY RANGE (phone_hash)"
        )
    )


def create_foreign_partition(
    connection: Connection,
    number: int,
    server_options: dict[str, str],
    login: dict[str, str],
    start: str,
    end: str,
) -> None:
    """Shard ``number``'s server, its user mapping, and its foreign table as the partition of
    the phone hashes from ``start`` to ``end`` (PostgreSQL range bounds)."""
    server = f"{SERVER_PREFIX}{number:03d}"  # in order when sorted by name, up to 1,000 shards
    connection.execute(
        text(
            f"CREATE SERVER {server} FOREIGN DATA WRAPPER postgres_fdw "
            f"OPTIONS ({_options(server_options)})"
        )
    )
    connection.execute(
        text(f"CREATE USER MAPPING FOR CURRENT_USER SERVER {server} OPTIONS ({_options(login)})")
    )
    connection.execute(
        text(
            f"CREATE FOREIGN TABLE {server} PARTITION OF itinerary_visit "
            f"FOR VALUES FROM ({start}) TO ({end}) SERVER {server} "
            "OPTIONS (table_name 'itinerary_visit')"
        )
    )


def _options(options: dict[str, str]) -> str:
    return ", ".join(
        f"{key} '{str(value).replace(chr(39), chr(39) * 2)}'" for key, value in options.items()
    )
