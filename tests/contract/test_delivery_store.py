"""The delivery store's contract, on SQLite and PostgreSQL: fan-out, in-order claims, leases, records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from lightsoff.domain.subscriptions import (
    DeadLetterFilter,
    DeliveryAttempt,
    DeliveryStatus,
)
from lightsoff.services.delivery_ports import AttemptResult, Claim
from lightsoff.services.relay import disabled_only
from lightsoff.store import tables as t
from lightsoff.store.delivery_store import SqlDeliveryStore
from lightsoff.store.engine import connect
from lightsoff.store.factory import SqlUnitOfWorkFactory
from tests.delivery_support import append_events, subscription

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


@dataclass
class Fixture:
    store: SqlDeliveryStore
    uow: SqlUnitOfWorkFactory


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def env(request: pytest.FixtureRequest, fresh_database: Callable[[str], str]) -> Iterator[Fixture]:
    database = connect(fresh_database(request.param))
    uow = SqlUnitOfWorkFactory(database)
    yield Fixture(SqlDeliveryStore(database), uow)
    uow.close()
    database.dispose()


def result(
    claim: Claim,
    status: DeliveryStatus,
    at: datetime = T0,
    *,
    code: int | None = 200,
    failed: bool = False,
    retry_at: datetime | None = None,
    disable: str | None = None,
) -> AttemptResult:
    attempt = DeliveryAttempt(
        claim.delivery.delivery_id,
        claim.delivery.attempts + 1,
        at,
        code,
        "status" if failed else None,
        f"HTTP {code}" if failed else "",
        "ok",
        1.5,
        "w1",
    )
    return AttemptResult(attempt, claim.delivery.subscription_id, status, retry_at or at, failed, disable)


def record(
    env: Fixture, *results: AttemptResult, now: datetime = T0, disable_after: timedelta = timedelta(hours=1)
) -> list[str]:
    return env.store.record(list(results), now, disable_after, disabled_only)


def deliver_all(env: Fixture) -> list[list[str]]:
    """Claim and deliver until nothing is claimable; the event names of each round of claims."""
    rounds = []
    while claims := env.store.claim("w1", T0, LEASE, 100):
        rounds.append([claim.event.name for claim in claims])
        record(env, *[result(claim, DeliveryStatus.DELIVERED) for claim in claims])
    return rounds


class TestSubscriptions:
    def test_a_subscription_comes_back_as_stored_and_can_change_and_go(self, env: Fixture) -> None:
        sub = subscription("sub_1", T0, event_types=("order.received",), partners=("ACME",))
        env.store.add_subscription(sub)
        assert env.store.subscription("sub_1") == sub
        changed = replace(sub, enabled=False, disabled_reason="by hand", updated_at=T0 + timedelta(minutes=1))
        env.store.update_subscription(changed)
        assert env.store.subscriptions() == [changed]
        assert env.store.delete_subscription("sub_1")
        assert env.store.subscription("sub_1") is None
        assert not env.store.delete_subscription("sub_1")


class TestFanOut:
    def test_each_event_becomes_one_delivery_per_matching_subscription(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        env.store.add_subscription(subscription("held", T0, event_types=("order.held",)))
        env.store.add_subscription(subscription("acme", T0, partners=("ACME",)))
        append_events(
            env.uow, T0, ("S1", "order.received", "ACME"), ("S2", "order.held", "BOLT"), ("S3", "order.held", None)
        )
        assert env.store.has_new_events()
        assert env.store.fan_out(T0, 100) == 3
        assert not env.store.has_new_events()
        assert env.store.fan_out(T0, 100) == 0
        assert [d.stream_id for d in env.store.deliveries("all")] == ["S1", "S2", "S3"]
        assert [d.stream_id for d in env.store.deliveries("held")] == ["S2", "S3"]
        assert [d.stream_id for d in env.store.deliveries("acme")] == ["S1"]
        with env.store._transaction(write=False) as connection:
            assert connection.execute(t.outbox.select().where(t.outbox.c.dispatched_at.is_(None))).all() == []

    def test_fan_out_goes_in_batches_from_its_checkpoint(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, *[(f"S{i}", "order.received", None) for i in range(5)])
        assert [env.store.fan_out(T0, 2) for _ in range(4)] == [2, 2, 1, 0]
        assert len(env.store.deliveries("all")) == 5

    def test_a_fan_out_batch_counts_deliveries_so_many_subscriptions_take_fewer_events(self, env: Fixture) -> None:
        for name in ("a", "b", "c"):
            env.store.add_subscription(subscription(name, T0))
        append_events(env.uow, T0, *[(f"S{i}", "order.received", None) for i in range(5)])
        assert [env.store.fan_out(T0, 6) for _ in range(4)] == [2, 2, 1, 0]
        assert [env.store.fan_out(T0, 1) for _ in range(2)] == [0, 0]
        assert len(env.store.deliveries("c")) == 5


class TestClaims:
    def test_only_the_oldest_pending_delivery_of_a_stream_is_claimed(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(
            env.uow, T0, ("A", "order.received", None), ("A", "order.held", None), ("B", "order.received", None)
        )
        env.store.fan_out(T0, 100)
        claims = env.store.claim("w1", T0, LEASE, 100)
        assert [(c.delivery.stream_id, c.event.name) for c in claims] == [
            ("A", "order.received"),
            ("B", "order.received"),
        ]
        assert env.store.claim("w2", T0, LEASE, 100) == []  # claimed, and A's second waits for the first
        record(env, result(claims[0], DeliveryStatus.DELIVERED))
        (next_claim,) = env.store.claim("w2", T0, LEASE, 100)
        assert (next_claim.delivery.stream_id, next_claim.event.name) == ("A", "order.held")

    def test_a_dead_delivery_no_longer_holds_back_its_stream(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, ("A", "order.received", None), ("A", "order.held", None))
        env.store.fan_out(T0, 100)
        (first,) = env.store.claim("w1", T0, LEASE, 100)
        record(env, result(first, DeliveryStatus.DEAD, code=400, failed=True))
        (second,) = env.store.claim("w1", T0, LEASE, 100)
        assert second.event.name == "order.held"

    def test_a_lease_that_ran_out_lets_another_worker_claim(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, ("A", "order.received", None))
        env.store.fan_out(T0, 100)
        assert len(env.store.claim("w1", T0, LEASE, 100)) == 1
        assert env.store.claim("w2", T0 + LEASE - timedelta(seconds=1), LEASE, 100) == []
        assert len(env.store.claim("w2", T0 + LEASE + timedelta(seconds=1), LEASE, 100)) == 1

    def test_a_retry_is_claimed_again_only_when_due(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, ("A", "order.received", None))
        env.store.fan_out(T0, 100)
        (claim,) = env.store.claim("w1", T0, LEASE, 100)
        later = T0 + timedelta(minutes=5)
        record(env, result(claim, DeliveryStatus.PENDING, code=500, failed=True, retry_at=later))
        assert env.store.claim("w1", later - timedelta(seconds=1), LEASE, 100) == []
        (again,) = env.store.claim("w1", later, LEASE, 100)
        assert (again.delivery.attempts, again.delivery.last_status) == (1, 500)

    def test_a_disabled_subscription_is_not_served_and_catches_up_in_order_when_enabled(self, env: Fixture) -> None:
        sub = subscription("all", T0)
        env.store.add_subscription(replace(sub, enabled=False))
        append_events(env.uow, T0, ("A", "order.received", None), ("A", "order.held", None))
        env.store.fan_out(T0, 100)
        assert env.store.claim("w1", T0, LEASE, 100) == []
        env.store.update_subscription(sub)
        (claim,) = env.store.claim("w1", T0, LEASE, 100)
        assert claim.event.name == "order.received"

    def test_postponed_deliveries_wait_without_an_attempt(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, ("A", "order.received", None))
        env.store.fan_out(T0, 100)
        (claim,) = env.store.claim("w1", T0, LEASE, 100)
        env.store.postpone([claim.delivery.delivery_id], T0 + timedelta(seconds=10))
        assert env.store.claim("w1", T0 + timedelta(seconds=5), LEASE, 100) == []
        (again,) = env.store.claim("w1", T0 + timedelta(seconds=10), LEASE, 100)
        assert again.delivery.attempts == 0

    @pytest.mark.parametrize("workers", [2, 4])
    def test_concurrent_claimers_never_share_a_delivery(self, env: Fixture, workers: int) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, *[(f"S{i}", "order.received", None) for i in range(200)])
        env.store.fan_out(T0, 1000)

        def claim_all(worker: str) -> list[int]:
            return [c.delivery.delivery_id for c in env.store.claim(worker, T0, LEASE, 30)]

        with ThreadPoolExecutor(workers) as pool:
            rounds = [list(pool.map(claim_all, [f"w{i}" for i in range(workers)])) for _ in range(3)]
        claimed = [delivery_id for batch in rounds for ids in batch for delivery_id in ids]
        assert len(claimed) == len(set(claimed)) == min(200, 3 * workers * 30)

    def test_a_stream_queued_behind_its_first_delivery_goes_out_one_by_one_in_order(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, *[("A", f"order.step{n}", None) for n in range(5)])
        append_events(env.uow, T0, ("A", "order.step5", None), ("B", "order.received", None))
        while env.store.fan_out(T0, 2):
            pass
        sent = deliver_all(env)
        assert sent == [["order.step0", "order.received"], *[[f"order.step{n}"] for n in range(1, 6)]]

    def test_a_revived_dead_letter_goes_before_the_rest_of_its_stream(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, ("A", "order.received", None), ("A", "order.held", None))
        env.store.fan_out(T0, 100)
        (first,) = env.store.claim("w1", T0, LEASE, 100)
        record(env, result(first, DeliveryStatus.DEAD, code=400, failed=True))
        append_events(env.uow, T0, ("A", "order.released", None))
        env.store.fan_out(T0, 100)
        assert env.store.revive(DeadLetterFilter(), T0) == 1
        sent = deliver_all(env)
        assert sent == [["order.received"], ["order.held"], ["order.released"]]

    def test_a_resent_event_goes_before_the_later_ones_of_its_stream(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        events = append_events(env.uow, T0, ("A", "order.received", None))
        env.store.fan_out(T0, 100)
        (first,) = env.store.claim("w1", T0, LEASE, 100)
        record(env, result(first, DeliveryStatus.DELIVERED))
        append_events(env.uow, T0, ("A", "order.held", None), ("A", "order.released", None))
        env.store.fan_out(T0, 100)
        assert env.store.resend("all", events[0].position, T0, 1) == (1, events[0].position)
        sent = deliver_all(env)
        assert sent == [["order.received"], ["order.held"], ["order.released"]]


class TestRecords:
    def test_a_dead_letter_keeps_every_attempt_and_can_be_revived(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, ("A", "order.received", None), ("B", "order.held", None))
        env.store.fan_out(T0, 100)
        first, second = env.store.claim("w1", T0, LEASE, 100)
        record(env, result(first, DeliveryStatus.PENDING, code=500, failed=True, retry_at=T0))
        (first,) = env.store.claim("w1", T0, LEASE, 100)
        record(env, result(first, DeliveryStatus.DEAD, code=503, failed=True), result(second, DeliveryStatus.DELIVERED))
        (dead,) = env.store.dead_letters(DeadLetterFilter())
        assert (dead.stream_id, dead.event_type, dead.attempts, dead.last_status) == ("A", "order.received", 2, 503)
        assert [a.status_code for a in env.store.attempts(dead.delivery_id)] == [500, 503]
        assert env.store.dead_letters(DeadLetterFilter(event_type="order.held")) == []
        assert env.store.revive(DeadLetterFilter(subscription_id="all"), T0) == 1
        (revived,) = env.store.claim("w1", T0, LEASE, 100)
        assert (revived.delivery.delivery_id, revived.delivery.attempts) == (dead.delivery_id, 0)

    def test_a_subscription_failing_too_long_is_disabled_with_an_operational_event(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, ("A", "order.received", None))
        env.store.fan_out(T0, 100)
        (claim,) = env.store.claim("w1", T0, LEASE, 100)
        retry = T0 + timedelta(minutes=1)
        assert record(env, result(claim, DeliveryStatus.PENDING, code=500, failed=True, retry_at=retry)) == []
        (claim,) = env.store.claim("w1", retry, LEASE, 100)
        late = T0 + timedelta(hours=2)
        failed = result(claim, DeliveryStatus.PENDING, late, code=500, failed=True, retry_at=late)
        assert record(env, failed, now=late) == ["all"]
        stored = env.store.subscription("all")
        assert stored is not None
        assert not stored.enabled
        assert stored.failing_since == T0
        with env.uow(write=False) as uow:
            (event,) = uow.events.read_stream("all")
        assert (event.name, event.data["reason"]) == ("subscription.disabled", "failing for longer than 1:00:00")

    def test_a_success_clears_failing_since(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, ("A", "order.received", None), ("B", "order.received", None))
        env.store.fan_out(T0, 100)
        first, second = env.store.claim("w1", T0, LEASE, 100)
        record(env, result(first, DeliveryStatus.PENDING, code=500, failed=True))
        record(env, result(second, DeliveryStatus.DELIVERED))
        stored = env.store.subscription("all")
        assert stored is not None
        assert stored.failing_since is None

    def test_a_gone_endpoint_disables_at_once(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("all", T0))
        append_events(env.uow, T0, ("A", "order.received", None))
        env.store.fan_out(T0, 100)
        (claim,) = env.store.claim("w1", T0, LEASE, 100)
        assert record(env, result(claim, DeliveryStatus.DEAD, code=410, failed=True, disable="HTTP 410 Gone")) == [
            "all"
        ]

    def test_resend_queues_matching_events_again_from_a_position(self, env: Fixture) -> None:
        env.store.add_subscription(subscription("held", T0, event_types=("order.held",)))
        events = append_events(
            env.uow, T0, ("A", "order.held", None), ("B", "order.received", None), ("C", "order.held", None)
        )
        env.store.fan_out(T0, 100)
        for claim in env.store.claim("w1", T0, LEASE, 100):
            record(env, result(claim, DeliveryStatus.DELIVERED))
        assert env.store.resend("held", events[1].position, T0, 100) == (1, events[2].position)
        (claim,) = env.store.claim("w1", T0, LEASE, 100)
        assert claim.delivery.stream_id == "C"


def test_results_for_a_subscription_deleted_meanwhile_are_dropped(env: Fixture) -> None:
    env.store.add_subscription(subscription("gone", T0))
    env.store.add_subscription(subscription("kept", T0))
    append_events(env.uow, T0, ("A", "order.received", None))
    env.store.fan_out(T0, 100)
    claims = env.store.claim("w1", T0, LEASE, 100)
    env.store.delete_subscription("gone")
    assert record(env, *[result(claim, DeliveryStatus.DELIVERED) for claim in claims]) == []
    (kept,) = env.store.deliveries("kept")
    assert kept.status is DeliveryStatus.DELIVERED


def test_position_at_is_the_first_event_recorded_from_a_time_on(env: Fixture) -> None:
    early = append_events(env.uow, T0, ("A", "order.received", None))
    late = append_events(env.uow, T0 + timedelta(hours=1), ("B", "order.received", None), ("C", "order.held", None))

    assert env.store.position_at(T0 - timedelta(days=1)) == early[0].position
    assert env.store.position_at(T0 + timedelta(minutes=1)) == late[0].position
    assert env.store.position_at(T0 + timedelta(hours=1)) == late[0].position
    assert env.store.position_at(T0 + timedelta(days=1)) == late[-1].position + 1
