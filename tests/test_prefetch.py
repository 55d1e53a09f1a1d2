"""The hand-over between generator and writer (model/stream.py): the next table is made while
one is written, a stream's first chunk too, yet the generator never runs in two threads at
once, tables keep their order, and an error reaches the writer at the table it stopped."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pandas as pd
import pytest

from dbsynth.model.stream import TableData, TableStream, prefetched, prefetched_tables


class Recorder:
    """A synthesis of tables a, b (a stream of 3 chunks), c; it records when each step ran
    and fails if two threads are inside it at once."""

    def __init__(self, fail_at: str | None = None) -> None:
        self.inside = threading.Lock()
        self.events: list[tuple[str, float]] = []
        self.fail_at = fail_at

    def step(self, what: str) -> None:
        assert self.inside.acquire(blocking=False), f"two threads in the generator at {what}"
        try:
            time.sleep(0.05)
            if what == self.fail_at:
                raise RuntimeError(f"generation failed at {what}")
            self.events.append((what, time.perf_counter()))
        finally:
            self.inside.release()

    def chunks(self) -> Iterator[pd.DataFrame]:
        for i in range(3):
            self.step(f"b{i}")
            yield pd.DataFrame({"x": [i]})

    def tables(self) -> Iterator[tuple[str, TableData]]:
        self.step("a")
        yield "a", pd.DataFrame({"x": [1]})
        yield "b", TableStream("b", 3, self.chunks)
        self.step("c")
        yield "c", pd.DataFrame({"x": [3]})


def test_tables_in_order_made_ahead_and_never_two_threads_in_the_generator() -> None:
    recorder = Recorder()
    seen: list[str] = []
    written: dict[str, float] = {}
    for name, data in prefetched_tables(recorder.tables()):
        if isinstance(data, TableStream):
            time.sleep(0.2)  # the writer is busy: the stream's first chunk is made meanwhile
            written[name] = time.perf_counter()
            seen.extend(f"{name}{int(chunk['x'][0])}" for chunk in prefetched(data))
        else:
            written[name] = time.perf_counter()
            time.sleep(0.2)  # writing: the next table is made meanwhile
            seen.append(name)
    assert seen == ["a", "b0", "b1", "b2", "c"]
    made = dict(recorder.events)
    assert made["b0"] < written["b"]  # made before the writer came for it
    assert made["c"] > made["b2"]  # nothing after a stream starts before the stream ends


@pytest.mark.parametrize("where", ["a", "b1", "c"])
def test_an_error_reaches_the_writer_at_its_table(where: str) -> None:
    recorder = Recorder(fail_at=where)
    seen: list[str] = []
    with pytest.raises(RuntimeError, match=f"failed at {where}"):
        for name, data in prefetched_tables(recorder.tables()):
            if isinstance(data, TableStream):
                seen.extend(f"{name}{int(chunk['x'][0])}" for chunk in prefetched(data))
            else:
                seen.append(name)
    order = ["a", "b0", "b1", "b2", "c"]
    assert seen == order[:order.index(where)]


def test_a_written_chunk_is_let_go_while_the_next_ones_are_made() -> None:
    """When the writer gets a chunk of a stream, every chunk before it is gone: neither the
    hand-over nor the producer keeps a written one (each would be a chunk of memory)."""
    import gc
    import weakref

    made: list[weakref.ref[pd.DataFrame]] = []

    def chunks() -> Iterator[pd.DataFrame]:
        for i in range(8):
            frame = pd.DataFrame({"x": [i] * 1000})
            made.append(weakref.ref(frame))
            yield frame

    def tables() -> Iterator[tuple[str, TableData]]:
        yield "t", TableStream("t", 8000, chunks)

    earlier_alive = []
    for _, stream in prefetched_tables(tables()):
        assert isinstance(stream, TableStream)
        for chunk in prefetched(stream):
            number = int(chunk["x"][0])
            gc.collect()
            earlier_alive.append(sum(ref() is not None for ref in made[:number]))
            time.sleep(0.05)  # writing: the producer runs ahead as far as it may
            chunk = None
    assert len(earlier_alive) == 8
    assert earlier_alive == [0] * 8
