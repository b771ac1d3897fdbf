"""Webhooks against a real local receiver: signed, retried, never sent for rolled-back work."""

import datetime as dt
import http.server
import json
import threading

import pytest
from django.core.cache import cache
from django.db import transaction

from tallyhour.core.errors import Forbidden, InvalidInput
from tallyhour.webhooks.models import Delivery, DeliveryState, Event
from tallyhour.webhooks.services import (
    SUBSCRIPTIONS_CACHE_KEY,
    backoff,
    deliveries_due,
    delivery_replay,
    subscription_create,
    verify,
    webhook_emit,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 16, 12, tzinfo=dt.UTC)


class Receiver:
    """An HTTP server on 127.0.0.1 that records requests and answers with `status`."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def subscription(receiver, admin):
    sub, secret = subscription_create(url=receiver.url, events=[], actor=admin)
    return sub, secret


def test_delivery_is_signed_and_verifies(receiver, subscription):
    sub, secret = subscription
    webhook_emit(Event.SUBMISSION_APPROVED, {"submission_id": 7}, now=NOW)
    assert deliveries_due(now=NOW) == 1
    [(headers, body)] = receiver.requests
    assert verify(secret, headers["X-Tallyhour-Signature"], body, now=NOW)
    assert not verify("whsec_wrong", headers["X-Tallyhour-Signature"], body, now=NOW)
    assert not verify(secret, headers["X-Tallyhour-Signature"], body + b" ", now=NOW)
    assert not verify(
        secret, headers["X-Tallyhour-Signature"], body, now=NOW + dt.timedelta(minutes=10)
    )  # replayed too late
    payload = json.loads(body)
    assert payload["event"] == "submission.approved" and payload["data"] == {"submission_id": 7}
    assert headers["X-Tallyhour-Event"] == "submission.approved"
    assert Delivery.objects.get().state == DeliveryState.DELIVERED


def test_failing_receiver_is_retried_with_backoff(receiver, subscription):
    receiver.status = 500
    webhook_emit(Event.INVOICE_ISSUED, {"invoice_id": 1}, now=NOW)
    assert deliveries_due(now=NOW) == 0
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("pending", 1, 500)
    assert delivery.next_attempt_at == NOW + backoff(1)
    assert deliveries_due(now=NOW + dt.timedelta(seconds=10)) == 0  # not due yet
    assert len(receiver.requests) == 1
    receiver.status = 204
    assert deliveries_due(now=NOW + backoff(1)) == 1
    assert len(receiver.requests) == 2
    assert Delivery.objects.get().state == DeliveryState.DELIVERED


def test_unreachable_receiver_gives_up_after_the_last_attempt(admin):
    subscription_create(url="http://127.0.0.1:9/closed", events=[], actor=admin)
    webhook_emit(Event.TIMER_CAPPED, {"timer": 1}, now=NOW)
    when = NOW
    for _ in range(8):
        deliveries_due(now=when)
        when += dt.timedelta(days=1)
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == 8
    assert delivery.last_error


def test_nothing_is_delivered_for_a_rolled_back_change(receiver, subscription):
    with pytest.raises(RuntimeError), transaction.atomic():
        webhook_emit(Event.TIME_ENTRY_CREATED, {"entry": 1}, now=NOW)
        raise RuntimeError("the change failed")
    assert deliveries_due(now=NOW) == 0
    assert receiver.requests == []


def test_subscriptions_filter_events_and_replay_resends(receiver, admin):
    subscription_create(url=receiver.url, events=["invoice.issued"], actor=admin)
    webhook_emit(Event.TIME_ENTRY_CREATED, {"entry": 1}, now=NOW)
    webhook_emit(Event.INVOICE_ISSUED, {"invoice": 2}, now=NOW)
    assert deliveries_due(now=NOW) == 1
    replay = delivery_replay(delivery=Delivery.objects.get(), actor=admin, now=NOW)
    assert deliveries_due(now=NOW) == 1
    assert replay.payload == Delivery.objects.exclude(pk=replay.pk).get().payload
    assert len(receiver.requests) == 2


def test_only_admins_subscribe_and_input_is_checked(engineer, admin):
    with pytest.raises(Forbidden):
        subscription_create(url="https://example.test/h", events=[], actor=engineer)
    with pytest.raises(InvalidInput) as bad_url:
        subscription_create(url="ftp://example.test", events=[], actor=admin)
    assert "url" in bad_url.value.fields
    with pytest.raises(InvalidInput) as bad_event:
        subscription_create(url="https://example.test/h", events=["nope"], actor=admin)
    assert "events" in bad_event.value.fields


def test_domain_changes_emit_their_events(
    receiver, subscription, engineer, approver, billing, ticket
):
    from tallyhour.billing.invoices import invoice_credit, invoice_issue
    from tallyhour.billing.runs import invoice_run_execute
    from tallyhour.timesheets.services import submission_approve, submission_submit
    from tallyhour.timetracking.services import time_entry_create
    from tests.conftest import MONDAY, at

    entry = time_entry_create(
        agent=engineer, actor=engineer, started_at=at(MONDAY, 9), duration_minutes=60, ticket=ticket
    )
    submission = submission_submit(agent=engineer, week_start=MONDAY, actor=engineer)
    submission_approve(submission=submission, actor=approver)
    [invoice] = invoice_run_execute(cut_off=MONDAY, actor=billing, commit=True).invoices
    invoice_issue(invoice=invoice, actor=billing)
    invoice_credit(invoice=invoice, actor=billing, reason="wrong client", release_time=True)
    events = list(Delivery.objects.order_by("id").values_list("event", flat=True))
    assert events[0] == "time_entry.created"
    assert (
        Delivery.objects.filter(event="time_entry.created").first().payload["data"]["id"]
        == entry.pk
    )
    assert {
        "submission.submitted",
        "submission.approved",
        "invoice.issued",
        "invoice.credited",
    } <= set(events)


@pytest.fixture
def no_cached_subscriptions():
    cache.delete(SUBSCRIPTIONS_CACHE_KEY)
    yield
    cache.delete(SUBSCRIPTIONS_CACHE_KEY)


def test_no_subscriber_answer_is_cached_until_someone_subscribes(
    admin, no_cached_subscriptions, django_capture_on_commit_callbacks, django_assert_num_queries
):
    event = Event.TIME_ENTRY_CREATED
    with django_capture_on_commit_callbacks(execute=True):
        assert webhook_emit(event, {"id": 1}, now=NOW) == 0
    # The answer is kept: a write without subscribers asks the database nothing.
    with django_assert_num_queries(0):
        assert webhook_emit(event, {"id": 2}, now=NOW) == 0

    with django_capture_on_commit_callbacks(execute=True):
        subscription_create(url="http://127.0.0.1:9/hook", events=[event], actor=admin)
    assert webhook_emit(event, {"id": 3}, now=NOW) == 1


def test_what_a_rolled_back_transaction_saw_is_not_cached(
    no_cached_subscriptions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        webhook_emit(Event.TIME_ENTRY_CREATED, {"id": 1}, now=NOW)
        transaction.set_rollback(True)
    assert callbacks == []
    assert cache.get(SUBSCRIPTIONS_CACHE_KEY) is None
