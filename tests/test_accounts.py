"""AccountRepository beyond the shared CRUD contract (docs/reference.md §3, §4, §7, §8)."""

from __future__ import annotations

import multiprocessing
import queue
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import cwdb
from cwdb.records._codec import ms_from_time, time_from_ms
from tests.support import factories
from tests.support.helpers import FakeClock, snapshot

#: These tests run through cwdb.connect_async too ([sqlite-async], [postgresql-async]).
pytestmark = pytest.mark.async_too

SENTINEL = "sk-SENTINEL-never-shown-4f1c"


def picks(db: cwdb.Database, count: int, provider: str = "claude") -> list[cwdb.Account]:
    found = [db.accounts.find_next_available(provider) for _ in range(count)]
    assert all(a is not None for a in found)
    return [a for a in found if a is not None]


def pick_ids(db: cwdb.Database, count: int, provider: str = "claude") -> list[str]:
    return [a.id for a in picks(db, count, provider)]


def exception_texts(error: BaseException) -> Iterator[str]:
    """str() and repr() of an exception and of everything chained to it."""
    seen: BaseException | None = error
    while seen is not None:
        yield str(seen)
        yield repr(seen)
        seen = seen.__cause__ or seen.__context__


# -- rotation order ----------------------------------------------------------------


def test_never_used_accounts_come_first_in_sort_order(clocked_db: cwdb.Database) -> None:
    db = clocked_db
    c = factories.account(db, sort_order=2)
    a = factories.account(db, sort_order=0)
    b = factories.account(db, sort_order=1)
    assert pick_ids(db, 3) == [a.id, b.id, c.id]


def test_rotation_is_exact_with_a_clock_that_does_not_move(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    made = [factories.account(db, sort_order=n) for n in (1, 0, 2)]
    order = [made[1].id, made[0].id, made[2].id]
    picked = picks(db, 12)
    assert [a.id for a in picked] == order * 4
    stamps = [a.last_used_at for a in picked]
    assert stamps == [clock.now + timedelta(milliseconds=n) for n in range(12)]


def test_a_pick_sets_last_used_at_to_the_clocks_now(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = factories.account(clocked_db)
    clock.advance(minutes=3)
    picked = clocked_db.accounts.find_next_available()
    assert picked is not None
    assert picked.id == made.id
    assert picked.last_used_at == picked.updated_at == clock.now


def test_last_used_at_keeps_increasing_when_the_clock_goes_back(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    factories.account(db)
    first = picks(db, 1)[0]
    clock.advance(hours=-1)
    second = picks(db, 1)[0]
    assert first.last_used_at is not None
    assert second.last_used_at == first.last_used_at + timedelta(milliseconds=1)


def test_the_least_recently_used_account_is_picked(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    recent = factories.account(db, last_used_at=clock.now - timedelta(minutes=1))
    stale = factories.account(db, last_used_at=clock.now - timedelta(hours=1), sort_order=9)
    assert pick_ids(db, 2) == [stale.id, recent.id]


def test_a_never_used_account_beats_a_used_one_with_lower_sort_order(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    used = factories.account(db, last_used_at=clock.now - timedelta(days=30), sort_order=0)
    fresh = factories.account(db, sort_order=5)
    assert pick_ids(db, 2) == [fresh.id, used.id]


def test_ties_on_last_used_at_go_to_the_lower_sort_order(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    used = clock.now - timedelta(minutes=5)
    high = factories.account(db, last_used_at=used, sort_order=3)
    low = factories.account(db, last_used_at=used, sort_order=1)
    assert pick_ids(db, 2) == [low.id, high.id]


def test_ties_on_sort_order_go_to_the_older_account(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    newer = factories.account(db)
    clock.advance(minutes=-1)
    older = factories.account(db)
    clock.advance(minutes=1)
    assert pick_ids(db, 2) == [older.id, newer.id]


def test_accounts_made_in_one_millisecond_rotate_in_creation_order(
    clocked_db: cwdb.Database,
) -> None:
    made = [factories.account(clocked_db).id for _ in range(4)]
    assert pick_ids(clocked_db, 8) == made * 2


def test_a_pick_returns_the_stored_row(clocked_db: cwdb.Database, clock: FakeClock) -> None:
    made = factories.account(clocked_db, credentials=SENTINEL, config_json='{"a": 1}')
    clock.advance(seconds=1)
    picked = clocked_db.accounts.find_next_available()
    assert picked is not None
    assert clocked_db.accounts.find_by_id(made.id) == picked
    assert (picked.credentials, picked.config_json, picked.email) == (
        SENTINEL,
        '{"a": 1}',
        made.email,
    )


# -- providers ----------------------------------------------------------------------


def test_only_accounts_of_the_provider_are_picked(clocked_db: cwdb.Database) -> None:
    db = clocked_db
    claude = factories.account(db)
    other = factories.account(db, provider="other", sort_order=-1)
    assert pick_ids(db, 2) == [claude.id, claude.id]
    assert pick_ids(db, 2, provider="other") == [other.id, other.id]


def test_an_unknown_provider_gets_none_and_nothing_changes(db: cwdb.Database) -> None:
    factories.account(db)
    before = snapshot(db)
    assert db.accounts.find_next_available("nobody") is None
    assert snapshot(db) == before


def test_one_sequence_spans_every_provider(clocked_db: cwdb.Database) -> None:
    db = clocked_db
    factories.account(db)
    factories.account(db, provider="other")
    first = picks(db, 1)[0]
    second = picks(db, 1, provider="other")[0]
    assert first.last_used_at is not None
    assert second.last_used_at == first.last_used_at + timedelta(milliseconds=1)


def test_no_account_at_all_gets_none(db: cwdb.Database) -> None:
    before = snapshot(db)
    assert db.accounts.find_next_available() is None
    assert snapshot(db) == before


def test_a_provider_that_is_not_str_is_a_validation_error(db: cwdb.Database) -> None:
    with pytest.raises(cwdb.ValidationError, match="provider"):
        db.accounts.find_next_available(7)  # type: ignore[arg-type]


# -- exhaustion ---------------------------------------------------------------------


def test_an_exhausted_account_is_skipped_until_its_time_passes(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    factories.account(db, is_exhausted=True, exhausted_until=clock.now + timedelta(hours=1))
    fresh = factories.account(db, sort_order=5)
    assert pick_ids(db, 2) == [fresh.id, fresh.id]


def test_when_every_account_is_exhausted_none_is_picked_and_nothing_changes(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    factories.account(db, is_exhausted=True, exhausted_until=clock.now + timedelta(seconds=1))
    factories.account(db, is_exhausted=True)
    before = snapshot(db)
    assert db.accounts.find_next_available() is None
    assert snapshot(db) == before


def test_an_exhausted_account_without_until_stays_unavailable(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    factories.account(db, is_exhausted=True)
    clock.advance(days=365)
    assert db.accounts.find_next_available() is None


def test_picking_an_account_whose_time_passed_clears_its_exhaustion(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    until = clock.now + timedelta(minutes=10)
    made = factories.account(db, is_exhausted=True, exhausted_until=until)
    clock.advance(minutes=10)
    picked = db.accounts.find_next_available()
    assert picked is not None
    assert picked.id == made.id
    assert picked.is_exhausted is False
    assert picked.exhausted_until is None
    assert picked.last_used_at == clock.now
    assert db.accounts.find_by_id(made.id) == picked


def test_picking_an_available_account_with_a_passed_until_clears_the_until(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    """Not exhausted, but an exhausted_until left behind: the pick clears it too."""
    db = clocked_db
    made = factories.account(db, exhausted_until=clock.now)
    clock.advance(milliseconds=1)
    picked = db.accounts.find_next_available()
    assert picked is not None
    assert (picked.id, picked.is_exhausted, picked.exhausted_until) == (made.id, False, None)
    assert db.accounts.find_by_id(made.id) == picked


def test_an_available_account_with_a_later_until_keeps_it_when_picked(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    later = clock.now + timedelta(minutes=5)
    made = factories.account(db, exhausted_until=later)
    picked = db.accounts.find_next_available()
    assert picked is not None
    assert (picked.id, picked.is_exhausted, picked.exhausted_until) == (made.id, False, later)


def test_an_account_one_millisecond_before_its_time_is_not_picked(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    factories.account(db, is_exhausted=True, exhausted_until=clock.now + timedelta(minutes=10))
    clock.advance(minutes=10, milliseconds=-1)
    assert db.accounts.find_next_available() is None


def test_a_recovered_account_rejoins_the_rotation_as_least_recently_used(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    a, b = factories.account(db, sort_order=0), factories.account(db, sort_order=1)
    assert pick_ids(db, 2) == [a.id, b.id]
    db.accounts.mark_exhausted(a.id, clock.now + timedelta(seconds=30))
    assert pick_ids(db, 2) == [b.id, b.id]
    clock.advance(seconds=30)
    assert pick_ids(db, 3) == [a.id, b.id, a.id]


def test_mark_exhausted_sets_the_flag_and_until(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = factories.account(clocked_db)
    clock.advance(seconds=2)
    until = clock.now + timedelta(hours=5)
    marked = clocked_db.accounts.mark_exhausted(made.id, until)
    assert marked.is_exhausted is True
    assert marked.exhausted_until == until
    assert marked.updated_at == clock.now
    assert clocked_db.accounts.find_by_id(made.id) == marked


def test_mark_exhausted_makes_the_account_unavailable(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    made = factories.account(clocked_db)
    clocked_db.accounts.mark_exhausted(made.id, clock.now + timedelta(minutes=1))
    assert clocked_db.accounts.find_next_available() is None


def test_mark_exhausted_of_unknown_id_raises_not_found(db: cwdb.Database) -> None:
    factories.account(db)
    before = snapshot(db)
    with pytest.raises(cwdb.NotFoundError, match="no-such-account"):
        db.accounts.mark_exhausted("no-such-account", datetime.now(UTC))
    assert snapshot(db) == before


@pytest.mark.parametrize(
    "until", [datetime(2026, 1, 1, 13, 0), "2026-01-01T13:00:00Z"], ids=["naive", "str"]
)
def test_mark_exhausted_refuses_a_value_that_is_not_an_aware_datetime(
    db: cwdb.Database, until: Any
) -> None:
    made = factories.account(db)
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError, match="until"):
        db.accounts.mark_exhausted(made.id, until)
    assert snapshot(db) == before


def test_clear_expired_exhaustion_clears_only_accounts_whose_time_passed(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    now = clock.now
    passed = factories.account(db, is_exhausted=True, exhausted_until=now - timedelta(hours=1))
    exactly = factories.account(db, is_exhausted=True, exhausted_until=now)
    future = factories.account(db, is_exhausted=True, exhausted_until=now + timedelta(hours=1))
    forever = factories.account(db, is_exhausted=True)
    fine = factories.account(db)
    assert db.accounts.clear_expired_exhaustion() == 2
    for cleared in (passed, exactly):
        found = db.accounts.find_by_id(cleared.id)
        assert found is not None
        assert (found.is_exhausted, found.exhausted_until) == (False, None)
    for untouched in (future, forever, fine):
        assert db.accounts.find_by_id(untouched.id) == untouched


def test_clear_expired_exhaustion_moves_updated_at_of_cleared_accounts(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    made = factories.account(db, is_exhausted=True, exhausted_until=clock.now)
    clock.advance(seconds=1)
    db.accounts.clear_expired_exhaustion()
    found = db.accounts.find_by_id(made.id)
    assert found is not None
    assert found.updated_at == clock.now


def test_clear_expired_exhaustion_uses_the_clocks_now(
    clocked_db: cwdb.Database, clock: FakeClock
) -> None:
    db = clocked_db
    factories.account(db, is_exhausted=True, exhausted_until=clock.now + timedelta(minutes=1))
    assert db.accounts.clear_expired_exhaustion() == 0
    clock.advance(minutes=1)
    assert db.accounts.clear_expired_exhaustion() == 1


def test_clear_expired_exhaustion_with_nothing_to_clear_returns_zero(
    clocked_db: cwdb.Database,
) -> None:
    factories.account(clocked_db)
    before = snapshot(clocked_db)
    assert clocked_db.accounts.clear_expired_exhaustion() == 0
    assert snapshot(clocked_db) == before


# -- secrets --------------------------------------------------------------------------


def test_credentials_and_config_never_appear_in_repr(db: cwdb.Database) -> None:
    made = factories.account(db, credentials=SENTINEL, config_json=f'{{"token": "{SENTINEL}"}}')
    assert made.credentials == SENTINEL
    assert SENTINEL not in repr(made)
    assert SENTINEL not in str(made)
    assert SENTINEL not in repr(db.accounts.find_all())
    assert made.email in repr(made)


@pytest.mark.parametrize(
    "bad",
    [
        {"email": None},
        {"email": 12.5},
        {"no_such_field": 1},
        {"sort_order": "first"},
        {"exhausted_until": datetime(2026, 1, 1)},
        {"credentials": SENTINEL.encode()},
        {"config_json": {"token": SENTINEL}},
    ],
    ids=lambda bad: next(iter(bad)),
)
def test_a_failing_create_never_shows_the_secrets(db: cwdb.Database, bad: dict[str, Any]) -> None:
    fields = {**factories.account_fields(db), "credentials": SENTINEL, "config_json": SENTINEL}
    before = snapshot(db)
    with pytest.raises(cwdb.ValidationError) as raised:
        db.accounts.create(**{**fields, **bad})
    assert snapshot(db) == before
    for text in exception_texts(raised.value):
        assert SENTINEL not in text


def test_a_failing_update_never_shows_the_secrets(db: cwdb.Database) -> None:
    made = factories.account(db)
    with pytest.raises(cwdb.ValidationError) as raised:
        db.accounts.update(made.id, credentials=SENTINEL, config_json=SENTINEL, email=None)  # type: ignore[arg-type]
    for text in exception_texts(raised.value):
        assert SENTINEL not in text


# -- concurrency ----------------------------------------------------------------------

ACCOUNTS = 5


def assert_exact_rotation(
    db: cwdb.Database, accounts: list[str], runs: list[list[tuple[str, int]]]
) -> None:
    """What serialised least-recently-used picks guarantee, whatever the interleaving.

    Each run is one caller's picks in call order, as (account id, last_used_at
    in ms). Every pick has its own last_used_at; each caller sees them rise;
    ordered by last_used_at (that is, by commit) the picks cycle through the
    accounts in one fixed order, so the counts per account differ by at most
    one; and each account keeps the stamp of its latest pick.
    """
    every = [pick for run in runs for pick in run]
    stamps = [stamp for _, stamp in every]
    assert len(set(stamps)) == len(stamps)
    for run in runs:
        own = [stamp for _, stamp in run]
        assert own == sorted(own)
    in_commit_order = [account for account, _ in sorted(every, key=lambda pick: pick[1])]
    cycle = in_commit_order[: len(accounts)]
    assert cycle == accounts
    assert in_commit_order == [cycle[n % len(cycle)] for n in range(len(every))]
    counts = Counter(in_commit_order)
    assert max(counts.values()) - min(counts.values()) <= 1
    latest = dict(sorted(every, key=lambda pick: pick[1]))
    for stored in db.accounts.find_all():
        assert stored.last_used_at is not None
        assert stored.last_used_at == time_from_ms(latest[stored.id])


def stamp(account: cwdb.Account | None) -> tuple[str, int]:
    """A pick as (account id, last_used_at in ms): plain values a process can send."""
    assert account is not None
    assert account.last_used_at is not None
    return account.id, ms_from_time(account.last_used_at, "last_used_at")


def test_concurrent_picks_from_threads_rotate_exactly(file_db: cwdb.Database) -> None:
    accounts = [factories.account(file_db, sort_order=n).id for n in range(ACCOUNTS)]
    threads, per_thread = 8, 100
    start = threading.Barrier(threads)
    runs: list[list[tuple[str, int]]] = [[] for _ in range(threads)]
    errors: list[BaseException] = []

    def work(run: list[tuple[str, int]]) -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                run.append(stamp(file_db.accounts.find_next_available()))
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=work, args=(run,)) for run in runs]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sum(map(len, runs)) == threads * per_thread
    assert_exact_rotation(file_db, accounts, runs)


def pick_in_process(path: str, count: int, start: Any, results: Any) -> None:
    """Child process of the multi-process test (spawned, so module-level)."""
    try:
        with cwdb.connect(path) as db:
            start.wait(timeout=60)
            run = [stamp(db.accounts.find_next_available()) for _ in range(count)]
        results.put(("ok", run))
    except BaseException as error:
        results.put(("error", repr(error)))


def collect(children: list[Any], results: Any) -> list[tuple[str, Any]]:
    """Every child's outcome; children still alive afterwards are killed."""
    outcomes: list[tuple[str, Any]] = []
    try:
        for _ in children:
            outcomes.append(results.get(timeout=120))
    except queue.Empty:
        outcomes.append(("error", "a child sent nothing within 120 s"))
    finally:
        for child in children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
                child.join()
    return outcomes


def test_concurrent_picks_from_processes_rotate_exactly(
    file_db: cwdb.Database, db_path: Path
) -> None:
    accounts = [factories.account(file_db, sort_order=n).id for n in range(ACCOUNTS)]
    processes, per_process = 4, 100
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes)
    results = context.Queue()
    children = [
        context.Process(target=pick_in_process, args=(str(db_path), per_process, start, results))
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    outcomes = collect(children, results)
    assert [kind for kind, _ in outcomes] == ["ok"] * processes, outcomes
    assert [child.exitcode for child in children] == [0] * processes
    runs = [run for _, run in outcomes]
    assert sum(map(len, runs)) == processes * per_process
    assert_exact_rotation(file_db, accounts, runs)
