"""Server-side batching, as TF Serving's: the tf.Examples of concurrent requests to one
signature are run as one batch of up to ``max_batch_size`` rows, or of what arrived within
``timeout`` seconds of the first. A request that finds a predict thread idle runs at once
(an idle server adds no wait); requests that arrive while every thread is busy wait for
the next free one, the timeout, or a full batch, whichever comes first (a dynamic batcher,
as Triton's). A request is never split; a batch that raises is retried request by request,
so only the request the model fails on gets the error."""
from __future__ import annotations

import asyncio
from concurrent.futures import Executor


class Batcher:
    def __init__(self, model, executor: Executor, max_batch_size: int = 32,
                 timeout: float = 0.001, on_batch=None, threads: int = 2):
        self.model, self.executor, self.threads = model, executor, threads
        self.running = 0  # batches being run
        self.max_batch_size, self.timeout = max_batch_size, timeout
        self.on_batch = on_batch or (lambda size: None)
        self._pending: dict[str, list] = {}  # signature -> [(examples, future)]
        self._timers: dict[str, asyncio.TimerHandle] = {}

    async def predict(self, signature: str, inputs) -> tuple[dict, int, int]:
        """The outputs of the batch that ran ``inputs`` and this request's rows in it."""
        loop = asyncio.get_running_loop()
        if not isinstance(inputs, list):  # tensors by input name: not batched
            outputs = await loop.run_in_executor(self.executor, self.model.predict,
                                                 signature, inputs)
            return outputs, 0, len(next(iter(outputs.values()), []))
        future = loop.create_future()
        pending = self._pending.setdefault(signature, [])
        pending.append((inputs, future))
        if self.running < self.threads or \
                sum(len(e) for e, _ in pending) >= self.max_batch_size:
            self._flush(signature)
        elif signature not in self._timers:
            self._timers[signature] = loop.call_later(self.timeout, self._flush, signature)
        return await future

    def _flush(self, signature: str) -> None:
        timer = self._timers.pop(signature, None)
        if timer is not None:
            timer.cancel()
        pending = self._pending.pop(signature, [])
        while pending:  # batches of up to max_batch_size rows (a bigger request alone)
            batch, rows = [], 0
            while pending and (not batch or rows + len(pending[0][0]) <= self.max_batch_size):
                rows += len(pending[0][0])
                batch.append(pending.pop(0))
            self.running += 1
            asyncio.ensure_future(self._run(signature, batch))

    async def _run(self, signature: str, batch: list) -> None:
        loop = asyncio.get_running_loop()
        examples = [e for request, _ in batch for e in request]
        self.on_batch(len(examples))
        try:
            outputs = await loop.run_in_executor(self.executor, self.model.predict, signature,
                                                 examples)
        except Exception as exc:  # noqa: BLE001 - the model raised: find whose request
            self._done(signature)
            if len(batch) == 1:
                batch[0][1].set_exception(exc)
                return
            for request, future in batch:
                try:
                    alone = await loop.run_in_executor(self.executor, self.model.predict,
                                                       signature, request)
                    future.set_result((alone, 0, len(request)))
                except Exception as error:  # noqa: BLE001
                    future.set_exception(error)
            return
        self._done(signature)
        start = 0
        for request, future in batch:
            if not future.cancelled():
                future.set_result((outputs, start, start + len(request)))
            start += len(request)

    def _done(self, signature: str) -> None:
        """A thread is free: what waited for it runs now."""
        self.running -= 1
        if self._pending.get(signature):
            self._flush(signature)
