"""Request batching: concurrent requests' samples joined into one model call.

A model call costs about the same for 1 sample as for 64, so under load the server gathers
whatever requests are waiting (up to :data:`MAX_BATCH` samples, waiting at most
:data:`MAX_WAIT_S` for more once one has arrived) and predicts them together on one thread,
which also keeps the model off concurrent threads. Each request gets its own slice back, or
the error its batch raised.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

MAX_BATCH = 256
MAX_WAIT_S = 0.002


class Batcher:
    """Runs ``predict`` on batches gathered from concurrent :meth:`submit` calls.

    Args:
        predict: Takes a list of samples, returns one result per sample.
        max_batch: The most samples in one call (a larger request runs alone).
        max_wait_s: How long to wait for more requests once one has arrived.
    """

    def __init__(self, predict: Callable[[list[Any]], list[Any]], max_batch: int = MAX_BATCH,
                 max_wait_s: float = MAX_WAIT_S) -> None:
        self._predict = predict
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._queue: queue.Queue[tuple[list[Any], Future] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="dlstudio-batcher",
                                        daemon=True)
        self._thread.start()

    def submit(self, samples: list[Any]) -> list[Any]:
        """Predict ``samples`` within a batch and return their results (blocks)."""
        future: Future = Future()
        self._queue.put((samples, future))
        return future.result()

    def close(self) -> None:
        """Stop the batching thread once the waiting requests are done."""
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            pending = [first]
            size = len(first[0])
            deadline = time.monotonic() + self._max_wait_s
            while size < self._max_batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                pending.append(item)
                size += len(item[0])
            self._run(pending)

    def _run(self, pending: list[tuple[list[Any], Future]]) -> None:
        samples = [sample for request, _ in pending for sample in request]
        try:
            results = self._predict(samples)
        except Exception as error:  # each request hears of its batch's failure
            if len(pending) > 1:  # one bad request must not fail the others: run alone
                for item in pending:
                    self._run([item])
                return
            pending[0][1].set_exception(error)
            return
        start = 0
        for request, future in pending:
            future.set_result(results[start:start + len(request)])
            start += len(request)
