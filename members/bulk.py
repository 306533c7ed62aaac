"""Set-based writing of a whole register: no per-row ORM saves, as a register is 100,000 rows.

While the file is read, RegisterStaging stages its rows in temporary tables (COPY on Postgres,
from a second thread on the import's own connection; executemany on SQLite at the end) and
inserts the new streets and addresses. load_register then resolves every row against the
register in one statement and writes people and electors with plain INSERT / UPDATE … FROM.

Must run inside the caller's transaction: all or nothing.
"""

import json
import queue
import threading
from collections.abc import Callable, Iterable

from django.db import connection
from django.utils import timezone
from psycopg._copy_base import TextFormatter
from psycopg.adapt import Transformer

from members.home_district import REGISTER_HOME_DISTRICTS_SQL
from members.importers.records import (
    RegisterRecord,
    address_key,
    same_home,
    street_and_town,
    walk_order,
)

ELECTOR_STAGE = [
    ("row_no", "integer"),
    ("pd_id", "bigint"),
    ("number", "integer"),
    ("suffix", "integer"),
    ("title", "text"),
    ("surname", "text"),
    ("forenames", "text"),
    ("markers", "text"),
    ("attainer_date", "date"),
    ("dob", "date"),
    ("is_postal", "boolean"),
    ("is_proxy", "boolean"),
    ("opt_out", "boolean"),
    ("address_key", "text"),
]
PROPERTY_STAGE = [
    ("chunk", "integer"),
    ("address_key", "text"),
    ("pd_id", "bigint"),
    ("address_lines", "text"),
    ("postcode", "text"),
    ("uprn", "text"),
    ("house_number", "integer"),
    ("house_suffix", "text"),
    ("flat", "text"),
    ("street", "text"),
    ("town", "text"),
]

# Written while the constituency's properties grow by thousands a chunk, which the planner's
# statistics do not know yet: both look-ups are index probes whatever it believes (a NOT
# EXISTS anti-join, planned for a constituency with no properties, went through all of them
# again for every new address: quadratic).
PROPERTY_INSERT = """
            INSERT INTO members_property (constituency_id, polling_district_id, street_id,
                address_key, address_lines, postcode, uprn, house_number, house_suffix, flat,
                created_at, updated_at)
            SELECT %s, pd_id,
                (SELECT st.id FROM members_street st WHERE st.constituency_id = %s
                    AND st.name = stg_property.street AND st.town = stg_property.town),
                address_key, address_lines{jsonb}, postcode, uprn,
                house_number, house_suffix, flat, %s, %s
            FROM stg_property
            WHERE chunk = %s
            ON CONFLICT (constituency_id, address_key) DO NOTHING
            """
# A known address moves district, gains a street or a UPRN; otherwise it is left alone.
PROPERTY_UPDATE = """
            UPDATE members_property SET
                polling_district_id = s.pd_id,
                street_id = COALESCE(members_property.street_id, st.id),
                uprn = CASE WHEN s.uprn <> '' THEN s.uprn ELSE members_property.uprn END,
                updated_at = %s
            FROM stg_property s
            LEFT JOIN members_street st ON st.constituency_id = %s
                AND st.name = s.street AND st.town = s.town
            WHERE members_property.constituency_id = %s
              AND members_property.address_key = s.address_key
              AND (members_property.polling_district_id IS DISTINCT FROM s.pd_id
                   OR (members_property.street_id IS NULL AND st.id IS NOT NULL)
                   OR (s.uprn <> '' AND members_property.uprn <> s.uprn))
            """
STREET_INSERT = """
            INSERT INTO members_street (constituency_id, name, town, created_at, updated_at)
            SELECT DISTINCT %s, street, town, %s, %s FROM stg_property
            WHERE chunk = %s AND street <> ''
            ON CONFLICT (constituency_id, name, town) DO NOTHING
            """
REGISTER_LOCK = 7311  # pg_advisory_xact_lock namespace for register imports and updates
ADDRESS_CHUNK = 4_000  # new addresses sent to the database at a time while the file is read


def _pg() -> bool:
    return connection.vendor == "postgresql"


def lock_register(constituency_id: int) -> None:
    """One register import or monthly update per constituency at a time, until the
    transaction ends: two would race to insert the same new properties, and an import would
    mark an update's new entries as leavers. (Postgres; SQLite has one writer anyway.)"""
    if _pg():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REGISTER_LOCK, constituency_id])


# An import, update or list that wrote at least this many rows to a table analyses it.
ANALYSE_AFTER_ROWS = 1_000


def analyse(*tables: str) -> None:
    """Give Postgres's planner fresh statistics for tables just written in bulk.

    Without them it plans the next import (or page) on the counts it had before: a table it
    believes nearly empty gets scanned once per row of another (an import took 97 s instead
    of 4). Autovacuum would analyse them some time later, if it is on: it is off on some of
    our servers and lags a big import on others, so what writes in bulk does it, in its own
    transaction (ANALYZE counts that transaction's rows; a rollback undoes it). Costs about
    0.1 s a table (it reads a sample of 30,000 rows, whatever the table's size)."""
    if _pg() and tables:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")


def _create_temp(cursor, name: str, columns: list[tuple[str, str]]) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cols = ", ".join(f"{c} {t}" for c, t in columns)
    cursor.execute(f"CREATE TEMP TABLE {name} ({cols}){' ON COMMIT DROP' if _pg() else ''}")


def _drop(cursor, *names: str) -> None:
    for name in names:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


class RegisterStaging:
    """A register file's rows, staged, and its new addresses written, while the rest of the
    file is still being read.

    On Postgres a second thread sends each chunk over the import's own connection, inside its
    transaction: the database stages the rows and inserts and indexes the new addresses on one
    core while Python reads the next rows on the other (a 100,000-row register has about
    50,000 addresses, whose trigram index is the dearest write of the import). Elsewhere all
    is written in `finish`. Create it inside the import's transaction; call `finish` (or
    `close`, on the way out of a failure) before that transaction ends.
    """

    def __init__(self, *, constituency_id: int, pd_ids: dict[str, int]):
        self.constituency_id = constituency_id
        self.pd_ids = pd_ids
        self._address_keys: set[str] = set()
        self.created = 0
        self.rows = 0
        self._keys: dict[tuple, str] = {}
        self._addresses: list[tuple] = []
        self._electors: list[tuple] = []
        self._chunks = 0
        self._pg = _pg()
        self._thread = None
        self._error: BaseException | None = None
        self._finished = False
        lock_register(constituency_id)
        with connection.cursor() as cursor:
            if self._pg:
                # Let the trigram (GIN) indexes take the new entries into their pending list
                # and merge them once, instead of merging every 4 MB during the import.
                cursor.execute("SET LOCAL gin_pending_list_limit = '256MB'")
                # The import's statements look dear enough to the planner for it to compile
                # them to machine code first, which costs more than it saves here (measured:
                # 0.3-0.5 s a statement).
                cursor.execute("SET LOCAL jit = off")
            _create_temp(cursor, "stg_property", PROPERTY_STAGE)
            _create_temp(cursor, "stg_elector", ELECTOR_STAGE)
        if self._pg:
            self._queue: queue.Queue = queue.Queue(maxsize=4)
            self._thread = threading.Thread(
                target=self._send_chunks, args=(connection.connection,), daemon=True
            )
            self._thread.start()

    def key_for(self, record: RegisterRecord) -> str:
        """The record's address key ("" without an address); each address worked out once."""
        lines = record.address_lines
        if not lines and not record.postcode:
            return ""
        seen = (*lines, record.postcode)
        key = self._keys.get(seen)
        if key is None:
            key = self._keys[seen] = address_key(lines, record.postcode)
        return key

    def add(self, records) -> None:
        pd_ids = self.pd_ids
        for r in records:
            key = self.key_for(r)
            pd_id = pd_ids[r.pd_code]
            if key and key not in self._address_keys:
                number, house_suffix, flat = walk_order(r.address_lines)
                street, town = street_and_town(r.address_lines)
                row = (
                    key,
                    pd_id,
                    json.dumps(r.address_lines),
                    r.postcode,
                    r.uprn,
                    number,
                    house_suffix[:10],
                    flat[:50],
                    street,
                    town,
                )
                self._address_keys.add(key)
                self._addresses.append(row)
            self._electors.append(
                (
                    r.row,
                    pd_id,
                    r.number,
                    r.suffix,
                    r.title,
                    r.surname,
                    r.forenames,
                    r.markers,
                    r.attainer_date,
                    r.date_of_birth,
                    "A" in r.markers,
                    "P" in r.markers,
                    r.opt_out,
                    key or None,
                )
            )
        self.rows += len(records)
        if self._pg and len(self._addresses) >= ADDRESS_CHUNK:
            self._send()

    def discard(self, rows: set[int]) -> None:
        """Leave out the staged rows with these row numbers (people erased on request)."""
        self.finish()
        if rows:
            with connection.cursor() as cursor:
                ids = ", ".join(str(int(row)) for row in rows)
                cursor.execute(f"DELETE FROM stg_elector WHERE row_no IN ({ids})")  # noqa: S608
            self.rows -= len(rows)

    def finish(self) -> int:
        """Wait until every row is staged and every address written; the number of new
        properties. Raises what went wrong in the writing thread, if anything did."""
        if self._finished:
            return self.created
        if self._pg:
            self._send()
            self.close()
            if self._error is not None:
                raise self._error
        else:
            with connection.cursor() as cursor:
                _write_chunk(cursor, self.constituency_id, 0, self._addresses, self._electors)
                self.created = cursor.rowcount
        self._finished = True
        return self.created

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _send(self) -> None:
        if self._error is not None:
            self.close()
            raise self._error
        if self._electors:
            number = self._chunks
            addresses = _copy_text(self._addresses, prefix=(number,))
            electors = _copy_text(self._electors)
            self._queue.put((number, addresses, electors))
            self._chunks += 1
            self._addresses, self._electors = [], []

    def _send_chunks(self, raw_connection) -> None:
        try:
            while (item := self._queue.get()) is not None:
                with raw_connection.cursor() as cursor:
                    _write_chunk(cursor, self.constituency_id, *item)
                    self.created += cursor.rowcount
        except BaseException as exc:  # handed to the importing thread, which raises it
            self._error = exc
            while self._queue.get() is not None:
                pass


def _copy_text(rows: list[tuple], prefix: tuple = ()) -> bytes:
    """COPY's text format for staged rows, made by the reading thread so that the writing
    thread sends it in one call (it waits for Python's lock at every step). psycopg's own
    formatter, written in C: 5x faster than formatting in Python (measured). It is not part
    of psycopg's public interface, hence the pinned version; the import tests cover it."""
    formatter = TextFormatter(Transformer())
    out = bytearray()
    for row in rows:
        out += formatter.write_row((*prefix, *row))  # buffers: returns data now and then
    out += formatter.end()
    return bytes(out)


def _write_chunk(cursor, constituency_id: int, number: int, addresses, electors):
    """Stage one chunk of rows and addresses; insert the streets and addresses not yet known.
    Postgres: both are COPY text (_copy_text) and `cursor` is the writing thread's psycopg
    cursor. SQLite: both are lists of tuples and `cursor` is Django's."""
    address_columns = ", ".join(c for c, _ in PROPERTY_STAGE)
    elector_columns = ", ".join(c for c, _ in ELECTOR_STAGE)
    pg = isinstance(addresses, bytes)
    if pg:
        now = timezone.now()
        with cursor.copy(f"COPY stg_property ({address_columns}) FROM STDIN") as copy:
            copy.write(addresses)
        with cursor.copy(f"COPY stg_elector ({elector_columns}) FROM STDIN") as copy:
            copy.write(electors)
    else:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        for table, columns, rows in (
            ("stg_property", PROPERTY_STAGE, [(number, *row) for row in addresses]),
            ("stg_elector", ELECTOR_STAGE, electors),
        ):
            names = ", ".join(c for c, _ in columns)
            marks = ", ".join(["%s"] * len(columns))
            insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, rows)
    c = constituency_id
    cursor.execute(STREET_INSERT, [c, now, now, number])
    cursor.execute(
        PROPERTY_INSERT.replace("{jsonb}", "::jsonb" if pg else ""), [c, c, now, now, number]
    )


def _keep_home_under_new_town_line(cursor, now) -> int:
    """Matched entries whose address differs from their current one only in the town line
    (records.same_home) stay at their current property: the council re-wrote the town, nobody
    moved. The property takes the new lines and key, so the next import matches it as it
    stands, and the one the staging inserted for the new lines moments ago is removed when
    nothing points at it. Only changed entries are looked at (a few per cent on a re-import,
    none on a first import). Returns how many addresses kept their household."""
    cursor.execute(
        """
        SELECT DISTINCT new.id, old.id, old.address_lines, old.postcode, new.address_lines
        FROM stg_match m
        JOIN members_elector e ON e.id = m.elector_id
        JOIN members_property old ON old.id = e.property_id
        JOIN members_property new ON new.id = m.property_id
        WHERE m.changed AND m.property_id <> e.property_id
          AND old.postcode = new.postcode AND old.postcode <> ''
        """
    )
    homes: dict[int, int] = {}  # the staged (new) property -> the household's own
    for new_id, old_id, old_lines, postcode, new_lines in cursor.fetchall():
        old_lines = json.loads(old_lines) if isinstance(old_lines, str) else old_lines
        new_lines = json.loads(new_lines) if isinstance(new_lines, str) else new_lines
        if same_home(old_lines, postcode, new_lines, postcode):
            homes[new_id] = min(old_id, homes.get(new_id, old_id))
    if not homes:
        return 0
    _create_temp(cursor, "stg_town", [("new_id", "bigint"), ("old_id", "bigint")])
    pairs = list(homes.items())
    for start in range(0, len(pairs), 1000):
        chunk = pairs[start : start + 1000]
        marks = ", ".join(["(%s, %s)"] * len(chunk))
        cursor.execute(
            f"INSERT INTO stg_town (new_id, old_id) VALUES {marks}",  # noqa: S608
            [value for pair in chunk for value in pair],
        )
    cursor.execute("CREATE UNIQUE INDEX stg_town_new ON stg_town (new_id)")
    # Every row of the file at that address (a newcomer too) goes to the household's own.
    cursor.execute(
        """
        UPDATE stg_match SET property_id = t.old_id
        FROM stg_town t WHERE stg_match.property_id = t.new_id
        """
    )
    _create_temp(
        cursor,
        "stg_town_free",
        [
            ("new_id", "bigint"),
            ("old_id", "bigint"),
            ("address_key", "text"),
            ("address_lines", "jsonb" if _pg() else "text"),
            ("street_id", "bigint"),
        ],
    )
    cursor.execute(
        """
        INSERT INTO stg_town_free (new_id, old_id, address_key, address_lines, street_id)
        SELECT t.new_id, t.old_id, p.address_key, p.address_lines, p.street_id
        FROM stg_town t JOIN members_property p ON p.id = t.new_id
        WHERE NOT EXISTS (SELECT 1 FROM members_elector e WHERE e.property_id = t.new_id)
          AND NOT EXISTS (SELECT 1 FROM members_person x WHERE x.property_id = t.new_id)
        """
    )
    cursor.execute("DELETE FROM members_property WHERE id IN (SELECT new_id FROM stg_town_free)")
    # One UPDATE: each rewrites the row and its indexes (the address key's trigram index).
    cursor.execute(
        """
        UPDATE members_property SET
            address_key = f.address_key, address_lines = f.address_lines,
            street_id = COALESCE(f.street_id, members_property.street_id), updated_at = %s
        FROM stg_town_free f WHERE members_property.id = f.old_id
        """,
        [now],
    )
    _drop(cursor, "stg_town", "stg_town_free")
    return len(homes)


def load_register(
    *,
    staging: RegisterStaging,
    edition_id: int,
    published_on,
    corrected_pd_ids: Iterable[int] = (),
    check_leavers: Callable[[dict[int, tuple[int, int]]], None] = lambda leaving_by_pd: None,
    progress: Callable[[str], None] = lambda step: None,
) -> dict:
    """Upsert people and electors for the staged rows; mark leavers off the register.

    Matching keeps history: an entry with the same PD/number/suffix and the same surname or
    forenames is the same elector (its row is updated, its person kept). An unmatched entry at
    the same property with the same full name as an earlier entry (renumbered, or back on the
    register) reuses that person. Electors of the covered polling districts who are not in
    the file leave the register; their rows and people stay.

    `corrected_pd_ids`: districts already imported from this edition. The file corrects them:
    the number alone decides which entry a row is, and no one there leaves the register.
    `check_leavers` is shown, once rows are matched and before anything but addresses is
    written, {district id: (on the register now, would leave)}; it may stop the import.
    """
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    published = ops.adapt_datefield_value(published_on)
    pg = _pg()
    c = staging.constituency_id
    corrected = ", ".join(str(int(pd_id)) for pd_id in corrected_pd_ids)
    in_corrected = f"s.pd_id IN ({corrected})" if corrected else "false"
    not_in_corrected = f"polling_district_id NOT IN ({corrected})" if corrected else "true"

    result = {"properties_created": staging.finish()}
    if result["properties_created"] >= ANALYSE_AFTER_ROWS:
        # The statements below join the constituency's properties, which the planner may
        # still believe to be none (a new constituency, after another was analysed).
        analyse("members_street", "members_property")
    with connection.cursor() as cursor:
        if pg:
            cursor.execute("ANALYZE stg_elector (row_no, pd_id, number, address_key)")
            cursor.execute("ANALYZE stg_property (address_key)")
        # The file's districts, written into the statements below: as a subquery the planner
        # guesses how many there are and may loop over them, scanning the register each time.
        cursor.execute("SELECT DISTINCT pd_id FROM stg_elector")
        in_file = ", ".join(str(int(pd_id)) for (pd_id,) in cursor.fetchall()) or "NULL"
        progress("staged")
        cursor.execute(PROPERTY_UPDATE, [now, c, c])
        progress("properties")

        # Each row of the file resolved in one pass: its property, and the entry it repeats
        # (same PD/number/suffix and the same surname or forenames; on a re-import of the same
        # edition the number alone decides, as it is a correction). New people's ids are
        # taken here, for every row no entry matched; the few that turn out to be a known
        # person (below) leave a gap in the sequence, which is harmless.
        if pg:
            # Looked up once: inside the statement it would be looked up for every row (10x).
            cursor.execute("SELECT pg_get_serial_sequence('members_person', 'id')::regclass::oid")
            new_person_id = f"nextval({int(cursor.fetchone()[0])}::regclass)"
        else:
            new_person_id = "(SELECT COALESCE(MAX(id), 0) FROM members_person) + s.row_no"
        cursor.execute(
            """
            CREATE TEMP TABLE stg_match AS
            SELECT s.row_no, p.id AS property_id, e.id AS elector_id, e.person_id,
                CASE WHEN e.id IS NULL THEN {new_person_id} END AS new_person_id,
                e.id IS NOT NULL AND (
                    NOT e.on_register
                    OR e.surname <> s.surname OR e.forenames <> s.forenames
                    OR e.title <> s.title OR e.markers <> s.markers
                    OR e.property_id IS DISTINCT FROM p.id
                    OR e.attainer_date IS DISTINCT FROM s.attainer_date
                    OR e.date_of_birth IS DISTINCT FROM s.dob
                    OR e.open_register_opt_out <> s.opt_out
                ) AS changed
            FROM stg_elector s
            LEFT JOIN members_property p
                ON p.constituency_id = %s AND p.address_key = s.address_key
            LEFT JOIN members_elector e
                ON e.constituency_id = %s
                AND e.polling_district_id = s.pd_id
                AND e.number = s.number AND e.suffix = s.suffix
                AND ({in_corrected}
                     OR UPPER(e.surname) = UPPER(s.surname)
                     OR UPPER(e.forenames) = UPPER(s.forenames))
                AND (e.on_register
                     -- a correction also restores this edition's entry that a monthly
                     -- update took off, when no other entry holds its number now
                     OR ({in_corrected} AND e.edition_id = %s AND NOT EXISTS (
                         SELECT 1 FROM members_elector x
                         WHERE x.on_register AND x.polling_district_id = e.polling_district_id
                           AND x.number = e.number AND x.suffix = e.suffix)))
            """.replace("{new_person_id}", new_person_id).replace("{in_corrected}", in_corrected),
            [c, c, edition_id],
        )
        # The statements below look rows up in the staging tables by these keys. Without
        # indexes a plan may scan a staging table once for every row of another: on SQLite
        # always (it plans without statistics; measured: 9 minutes for 100,000 rows), on
        # Postgres when it misjudges a table it has no statistics for (the leavers' anti-join
        # over a never-analysed members_elector took 97 s instead of 4).
        cursor.execute("CREATE INDEX stg_match_elector ON stg_match (elector_id)")
        cursor.execute("CREATE UNIQUE INDEX stg_match_row ON stg_match (row_no)")
        cursor.execute("CREATE UNIQUE INDEX stg_elector_row ON stg_elector (row_no)")
        if pg:
            cursor.execute("ANALYZE stg_match")
        result["town_line_only"] = _keep_home_under_new_town_line(cursor, now)
        # The same person under a new number, or back on the register at the same address:
        # one join for all rows, not a search per row (a re-coded district is every row).
        cursor.execute(
            """
            UPDATE stg_match SET person_id = found.person_id
            FROM (
                SELECT m.row_no, MAX(e.person_id) AS person_id
                FROM stg_match m
                JOIN stg_elector s ON s.row_no = m.row_no
                JOIN members_elector e ON e.property_id = m.property_id
                WHERE m.elector_id IS NULL AND m.property_id IS NOT NULL
                  AND e.constituency_id = %s
                  AND UPPER(e.surname) = UPPER(s.surname)
                  AND UPPER(e.forenames) = UPPER(s.forenames)
                  AND NOT EXISTS (SELECT 1 FROM stg_match m2 WHERE m2.elector_id = e.id)
                GROUP BY m.row_no
            ) found
            WHERE stg_match.row_no = found.row_no
            """,
            [c],
        )
        cursor.execute(
            """
            SELECT COUNT(elector_id), SUM(CASE WHEN changed THEN 1 ELSE 0 END),
                SUM(CASE WHEN person_id IS NULL THEN 1 ELSE 0 END)
            FROM stg_match
            """
        )
        matched, changed, new_people = cursor.fetchone()
        cursor.execute(
            """
            SELECT e.polling_district_id, COUNT(*),
                SUM(CASE WHEN m.row_no IS NULL THEN 1 ELSE 0 END)
            FROM members_elector e LEFT JOIN stg_match m ON m.elector_id = e.id
            WHERE e.constituency_id = %s AND e.on_register
              AND e.polling_district_id IN ({in_file})
              AND {not_in_corrected}
            GROUP BY e.polling_district_id
            """.replace("{not_in_corrected}", not_in_corrected).replace("{in_file}", in_file),
            [c],
        )
        check_leavers({pd_id: (now, leaving) for pd_id, now, leaving in cursor.fetchall()})
        result["electors_matched"], result["electors_changed"] = matched, changed or 0
        result["people_created"] = new_people or 0
        progress("matched")

        cursor.execute(
            """
            INSERT INTO members_person (id, constituency_id, title, first_name, last_name,
                property_id, date_of_birth, user_id, do_not_contact, do_not_email,
                do_not_phone, do_not_text, do_not_post, do_not_canvass, notes, version,
                erased_at, merged_into_id, created_at, updated_at, polling_district_id)
            SELECT m.new_person_id, %s, s.title, s.forenames, s.surname,
                m.property_id, s.dob, NULL, false, false, false, false, false, false, '', 1,
                NULL, NULL, %s, %s, s.pd_id
            FROM stg_elector s JOIN stg_match m ON m.row_no = s.row_no
            WHERE m.person_id IS NULL
            """,
            [c, now, now],
        )
        # Households follow the register: a known person who moved is now at the new address.
        cursor.execute(
            """
            UPDATE members_person
            SET property_id = m.property_id, version = members_person.version + 1,
                updated_at = %s
            FROM stg_match m
            WHERE members_person.id = m.person_id
              AND m.property_id IS NOT NULL
              AND members_person.property_id IS DISTINCT FROM m.property_id
            """,
            [now],
        )
        result["people_moved"] = cursor.rowcount
        progress("people")

        # Entries the file repeats word for word are not rewritten (a re-import touches only
        # what changed); changed entries take this edition.
        cursor.execute(
            """
            UPDATE members_elector SET
                edition_id = %s, property_id = m.property_id, title = s.title,
                surname = s.surname, forenames = s.forenames, markers = s.markers,
                attainer_date = s.attainer_date, date_of_birth = s.dob,
                is_postal_voter = s.is_postal, is_proxy_voter = s.is_proxy,
                open_register_opt_out = s.opt_out, on_register = true, left_register_on = NULL,
                updated_at = %s
            FROM stg_match m JOIN stg_elector s ON s.row_no = m.row_no
            WHERE members_elector.id = m.elector_id AND m.changed
            """,
            [edition_id, now],
        )
        # Leavers before newcomers: a newcomer may take a leaver's number.
        cursor.execute(
            """
            UPDATE members_elector SET on_register = false, left_register_on = %s,
                updated_at = %s
            WHERE constituency_id = %s AND on_register
              AND polling_district_id IN ({in_file})
              AND {not_in_corrected}
              AND NOT EXISTS (SELECT 1 FROM stg_match m WHERE m.elector_id = members_elector.id)
            """.replace("{not_in_corrected}", not_in_corrected).replace("{in_file}", in_file),
            [published, now, c],
        )
        result["electors_left"] = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO members_elector (constituency_id, polling_district_id, number, suffix,
                edition_id, person_id, property_id, title, surname, forenames, markers,
                attainer_date, date_of_birth, is_postal_voter, is_proxy_voter,
                open_register_opt_out, on_register, left_register_on, created_at, updated_at)
            SELECT %s, s.pd_id, s.number, s.suffix, %s, COALESCE(m.person_id, m.new_person_id),
                m.property_id, s.title,
                s.surname, s.forenames, s.markers, s.attainer_date, s.dob, s.is_postal,
                s.is_proxy, s.opt_out, true, NULL, %s, %s
            FROM stg_elector s JOIN stg_match m ON m.row_no = s.row_no
            WHERE m.elector_id IS NULL
            """,
            [c, edition_id, now, now],
        )
        result["electors_added"] = cursor.rowcount

        # Each person's home district follows their entry (pages scope people by it). New
        # people were given theirs as they were inserted (above, s.pd_id): setting it here
        # instead would write all 100,000 rows twice (measured: +1.5 s).
        cursor.execute(REGISTER_HOME_DISTRICTS_SQL)

        _drop(cursor, "stg_elector", "stg_property", "stg_match")
        analyse("members_street", "members_property", "members_person", "members_elector")
        progress("electors")
    result["rows"] = staging.rows
    return result
