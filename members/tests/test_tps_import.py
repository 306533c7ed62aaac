import datetime
import os
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from clp.models import AuditEntry
from members.models import TpsList, TpsNumber
from members.selectors import tps_status
from members.services.phones import tps_list_import
from members.tasks import tps_list_refresh


def _file(directory, name, lines):
    path = directory / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _numbers():
    return set(TpsNumber.objects.values_list("number", flat=True))


@pytest.mark.django_db
def test_a_tps_file_in_any_uk_format_becomes_the_list_in_force(tmp_path):
    path = _file(
        tmp_path,
        "tps-2026-11-30.txt",
        [
            "Number",
            "# the Telephone Preference Service, November",
            "07700900123",
            "",
            "+44 (0)7700 900124",
            "020 7946 0000",
            "07700 900123",  # again: fine
        ],
    )
    tps = tps_list_import(actor=None, path=path)
    assert _numbers() == {"+447700900123", "+447700900124", "+442079460000"}
    assert tps.numbers == 3 and tps.file_date == datetime.date(2026, 11, 30)
    assert tps_status() == tps
    assert str(tps_status()) == "TPS list of 30 Nov 2026, 3 numbers"
    assert AuditEntry.objects.filter(action="tps_list.import").count() == 1


@pytest.mark.django_db
def test_a_bad_tps_file_names_its_lines_and_leaves_the_list_in_force(tmp_path):
    good = _file(tmp_path, "tps-20261031.txt", ["07700900123"])
    tps_list_import(actor=None, path=good)
    bad = _file(
        tmp_path, "tps-20261130.txt", ["07700900124", "0770 090", "phone me", "07700900125"]
    )
    with pytest.raises(ValidationError) as refused:
        tps_list_import(actor=None, path=bad)
    messages = refused.value.messages
    assert "unchanged" in messages[0]
    assert messages[1].startswith("Line 2: ") and "too short" in messages[1]
    assert messages[2].startswith("Line 3: ") and "letters" in messages[2]
    assert _numbers() == {"+447700900123"}
    assert TpsList.objects.get().file_date == datetime.date(2026, 10, 31)


@pytest.mark.django_db
def test_only_the_first_fifty_bad_lines_are_listed(tmp_path):
    path = _file(tmp_path, "tps.txt", ["07700900123", *["12"] * 70])
    with pytest.raises(ValidationError) as refused:
        tps_list_import(actor=None, path=path)
    messages = refused.value.messages
    assert len(messages) == 1 + 50 + 1 and messages[-1] == "… and 20 more."
    assert not TpsNumber.objects.exists()


@pytest.mark.django_db
def test_a_new_tps_list_replaces_the_last_one(tmp_path):
    tps_list_import(actor=None, path=_file(tmp_path, "a.txt", ["07700900123", "07700900124"]))
    newer = tps_list_import(
        actor=None,
        path=_file(tmp_path, "b.txt", ["07700900124", "07700900125"]),
        file_date=datetime.date(2026, 12, 1),
    )
    assert _numbers() == {"+447700900124", "+447700900125"}
    assert newer.file_date == datetime.date(2026, 12, 1) and tps_status() == newer


@pytest.mark.django_db
def test_without_a_date_in_its_name_the_list_is_dated_by_the_file(tmp_path):
    path = _file(tmp_path, "tps.txt", ["07700900123"])
    when = datetime.datetime(2026, 11, 2, 12, 0).timestamp()
    os.utime(path, (when, when))
    assert tps_list_import(actor=None, path=path).file_date == datetime.date(2026, 11, 2)


@pytest.mark.django_db
def test_import_tps_command_prints_count_and_date_or_fails_with_the_bad_lines(tmp_path, capsys):
    good = _file(tmp_path, "tps.txt", ["07700900123", "07700900124"])
    call_command("import_tps", str(good), "--date", "2026-11-30")
    assert "TPS list of 30 Nov 2026: 2 numbers" in capsys.readouterr().out

    bad = _file(tmp_path, "bad.txt", ["07700900125", "not a number"])
    with pytest.raises(CommandError) as failed:
        call_command("import_tps", str(bad))
    assert failed.value.returncode == 1
    assert "Line 2:" in capsys.readouterr().err
    assert TpsNumber.objects.count() == 2


@pytest.mark.django_db
def test_the_nightly_refresh_skips_a_file_it_has_read_and_reads_a_changed_one(tmp_path, settings):
    settings.TPS_LIST_PATH = ""
    assert tps_list_refresh() == "off"
    path = _file(tmp_path, "tps.txt", ["07700900123"])
    settings.TPS_LIST_PATH = str(path)
    assert tps_list_refresh() == str(TpsList.objects.get())
    assert tps_list_refresh() == "unchanged"
    assert TpsList.objects.count() == 1

    path.write_text("07700900123\n07700900124\n")
    later = time.time() + 5
    os.utime(path, (later, later))
    tps_list_refresh()
    assert TpsList.objects.count() == 2 and TpsNumber.objects.count() == 2


@pytest.mark.django_db
def test_a_large_tps_file_is_read_whole(tmp_path):
    count = 200_000
    path = tmp_path / "tps-2026-11-30.txt"
    with path.open("w") as out:
        for index in range(count):
            out.write(f"0113496{index % 10_000:04d}\n" if index < 10_000 else f"07{index:09d}\n")
    started = time.monotonic()
    tps = tps_list_import(actor=None, path=path)
    elapsed = time.monotonic() - started
    assert tps.numbers == TpsNumber.objects.count() == count
    print(f"200,000 TPS numbers imported in {elapsed:.1f} s")


def test_the_tps_list_is_refreshed_nightly_at_half_past_one():
    from celery.schedules import crontab

    from clp.celery import app
    from clp.periodic import periodic_jobs

    job = periodic_jobs()["tps-list-refresh"]
    assert job["task"] in app.tasks
    assert job["schedule"] == crontab(hour=1, minute=30)


@pytest.mark.django_db
def test_a_missing_tps_file_is_refused_by_name(tmp_path, settings):
    settings.TPS_LIST_PATH = str(tmp_path / "gone.txt")
    with pytest.raises(ValidationError) as refused:
        tps_list_refresh()
    assert "gone.txt cannot be read" in refused.value.messages[0]
