"""cpa_sdk.admission: requests in flight, admitted once, released exactly once, under a lock."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from hypothesis import given, strategies as st

from cpa_sdk.admission import AdmissionSet

THREADS = 8


def run_together(target: Callable[[int], None], count: int = THREADS) -> None:
    """Start ``count`` threads at the same moment (a barrier) and wait for all of them."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def body(index: int) -> None:
        barrier.wait()
        try:
            target(index)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]


def test_admits_up_to_capacity_then_refuses() -> None:
    slots = AdmissionSet(2)
    assert slots.admit("a") and slots.admit("b")
    assert not slots.admit("c")
    assert len(slots) == 2 and "a" in slots and "c" not in slots


def test_release_frees_the_slot_for_another_request() -> None:
    slots = AdmissionSet(1)
    assert slots.admit("a")
    assert not slots.admit("b")
    assert slots.release("a")
    assert slots.admit("b")


def test_admitting_the_same_id_again_succeeds_and_takes_no_second_slot() -> None:
    # CPA may ask about the same RequestID again; a full set must still let it through
    slots = AdmissionSet(2)
    assert slots.admit("a")
    assert slots.admit("a")
    assert len(slots) == 1
    assert slots.admit("b")
    assert slots.admit("a")  # full, but "a" is already in
    assert not slots.admit("c")


def test_unknown_and_repeated_releases_change_nothing() -> None:
    slots = AdmissionSet(2)
    slots.admit("a")
    slots.admit("b")
    assert not slots.release("never-admitted")  # e.g. rejected by a higher-priority interceptor
    assert slots.release("a")
    assert not slots.release("a")  # a duplicate completion frees nothing more
    assert len(slots) == 1
    # no underflow: the one remaining request still holds its slot, so only one more fits
    assert slots.admit("c")
    assert not slots.admit("d")


def test_releasing_into_an_empty_set_never_makes_room_beyond_capacity() -> None:
    slots = AdmissionSet(1)
    for _ in range(5):
        assert not slots.release("ghost")
    assert slots.admit("a")
    assert not slots.admit("b")


def test_lowering_capacity_keeps_admitted_requests_and_blocks_new_ones_until_they_finish() -> None:
    slots = AdmissionSet(3)
    for request_id in "abc":
        assert slots.admit(request_id)
    slots.capacity = 1
    assert slots.capacity == 1
    assert len(slots) == 3 and all(r in slots for r in "abc")
    assert slots.admit("a")  # already in
    assert not slots.admit("d")
    slots.release("a")
    slots.release("b")
    assert not slots.admit("d")  # one still in flight fills capacity 1
    slots.release("c")
    assert slots.admit("d")


def test_raising_capacity_admits_more_at_once() -> None:
    slots = AdmissionSet(1)
    slots.admit("a")
    assert not slots.admit("b")
    slots.capacity = 2
    assert slots.admit("b")
    assert not slots.admit("c")


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "2", None])
def test_capacity_must_be_a_positive_integer(bad: object) -> None:
    with pytest.raises(ValueError, match="capacity"):
        AdmissionSet(bad)  # type: ignore[arg-type]
    slots = AdmissionSet(2)
    with pytest.raises(ValueError, match="capacity"):
        slots.capacity = bad  # type: ignore[assignment]
    assert slots.capacity == 2


def test_clear_forgets_every_request() -> None:
    slots = AdmissionSet(2)
    slots.admit("a")
    slots.admit("b")
    slots.clear()
    assert len(slots) == 0 and "a" not in slots
    assert not slots.release("a")  # a completion arriving after shutdown is harmless
    assert slots.admit("c") and slots.admit("d")


@given(
    capacity=st.integers(1, 4),
    operations=st.lists(
        st.one_of(
            st.tuples(st.sampled_from(["admit", "release"]), st.sampled_from("abcdefg")),
            st.tuples(st.just("capacity"), st.integers(1, 5)),
        ),
        max_size=40,
    ),
)
def test_behaves_like_a_bounded_set(capacity: int, operations: list[tuple[str, object]]) -> None:
    slots = AdmissionSet(capacity)
    model: set[object] = set()
    for operation, argument in operations:
        if operation == "admit":
            expected = argument in model or len(model) < capacity
            if expected:
                model.add(argument)
            assert slots.admit(argument) is expected  # type: ignore[arg-type]
        elif operation == "release":
            assert slots.release(argument) is (argument in model)  # type: ignore[arg-type]
            model.discard(argument)
        else:
            capacity = argument  # type: ignore[assignment]
            slots.capacity = capacity
        assert len(slots) == len(model)
        assert all(request_id in slots for request_id in model)


# ---------------------------------------------------------------------------------------------
# concurrency: CPA calls intercept_before and request.complete from many goroutines at once


def test_many_threads_admitting_and_releasing_leave_a_consistent_set() -> None:
    capacity = 5
    slots = AdmissionSet(capacity)
    held: list[set[str]] = [set() for _ in range(THREADS)]

    def hammer(index: int) -> None:
        mine = held[index]
        for n in range(2000):
            request_id = f"{index}-{n % 7}"
            if n % 3 == 2:
                assert slots.release(request_id) is (request_id in mine)
                mine.discard(request_id)
            elif slots.admit(request_id):
                mine.add(request_id)
            assert len(slots) <= capacity
            if n % 500 == 0:
                assert slots.release("never-admitted") is False

    run_together(hammer)
    everything_held = set().union(*held)
    assert len(slots) == len(everything_held) <= capacity
    assert all(request_id in slots for request_id in everything_held)
    for request_id in everything_held:
        assert slots.release(request_id)
    assert len(slots) == 0
    assert all(slots.admit(f"after-{n}") for n in range(capacity))  # no slot was leaked


def test_concurrent_admissions_of_distinct_ids_fill_exactly_the_capacity() -> None:
    slots = AdmissionSet(3)
    admitted: list[bool] = []
    lock = threading.Lock()

    def admit(index: int) -> None:
        result = slots.admit(f"request-{index}")
        with lock:
            admitted.append(result)

    run_together(admit)
    assert sorted(admitted) == [False] * (THREADS - 3) + [True] * 3
    assert len(slots) == 3


def test_a_completion_delivered_by_several_threads_is_released_exactly_once() -> None:
    slots = AdmissionSet(1)
    assert slots.admit("request")
    released: list[bool] = []
    lock = threading.Lock()

    def complete(_: int) -> None:
        result = slots.release("request")
        with lock:
            released.append(result)

    run_together(complete)
    assert released.count(True) == 1
    assert len(slots) == 0
    assert slots.admit("next") and not slots.admit("one-too-many")


def test_capacity_changes_while_requests_come_and_go_never_lose_a_request() -> None:
    slots = AdmissionSet(4)
    held: list[set[str]] = [set() for _ in range(THREADS)]

    def work(index: int) -> None:
        for n in range(1000):
            if index == 0:
                slots.capacity = 1 + n % 6
                continue
            request_id = f"{index}-{n % 5}"
            if n % 2:
                if slots.release(request_id):
                    held[index].remove(request_id)
            elif slots.admit(request_id):
                held[index].add(request_id)

    run_together(work)
    everything_held = set().union(*held)
    assert len(slots) == len(everything_held)
    assert all(request_id in slots for request_id in everything_held)
