"""Records stored by column: a long log's epochs and steps without a Python dict per record.

A dict per record costs 300-600 bytes; a log of a million epochs, or of 47k
short runs, spends hundreds of MB on them. `RecordColumns` is a list of dicts
to its readers (index, slice, iterate, compare with a list, append, assign)
that holds the records it was told to `freeze` as numpy blocks, one block per
stretch of records with the same keys in the same order, and the rest as
dicts. Reading a frozen record builds a new dict: change a record by assigning
it (``records[i] = {...}``), never through the dict read from it (the parser
freezes only the records it will not change again, and keeps the last one a
dict). Assigning or deleting inside the frozen part turns it back into dicts.

Values come back as they went in: floats (NaN and infinities included), ints
(exactly, up to 2**53; larger ones are kept as objects), None, and any other
value as the object itself; missing keys stay missing.
"""
from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from typing import Any

import numpy as np

Record = dict[str, Any]
_EXACT = 2 ** 53
#: Frozen records turned back into dicts at a time while iterating (bounds the copy).
_ROWS_AT_ONCE = 4096
#: One tuple per set of keys and one string per set of kinds, shared by every block that has them
#: (a log of 47k short runs has a few of each).
_SHARED: dict[Any, Any] = {}
_SHARED_MAX = 4096


class _Block:
    """Records with the same keys, in order: numbers in one float array, the rest beside it.

    The array is kept as its bytes (a short run's block is a few hundred bytes, and an
    ndarray object and its buffer cost about 150 more). ``kinds`` has one letter per key: ``f`` floats, ``i`` ints, ``F``/``I`` the same with
    None at the rows in ``extra``, ``o`` any objects (the values in ``extra``); ``extra`` is None
    when every column is plain numbers.
    """

    __slots__ = ("data", "extra", "keys", "kinds", "size")

    def __init__(self, keys: tuple[str, ...], rows: list[tuple]) -> None:
        self.keys = _shared(keys)
        self.size = len(rows)
        columns = list(zip(*rows)) if keys else []
        kinds: list[str] = []
        extra: list[Any] = []
        data = np.empty((self.size, len(keys)), dtype=float)
        for j, column in enumerate(columns):
            kind, more, numbers = _encode(column)
            kinds.append(kind)
            extra.append(more)
            if numbers is not None:
                data[:, j] = numbers
        joined = "".join(kinds)
        self.kinds = _shared(joined)
        self.extra = None if all(kind in "fi" for kind in joined) else tuple(extra)
        self.data = data.tobytes()

    def rows(self, lo: int, hi: int) -> list[Record]:
        part = np.frombuffer(self.data, dtype=float).reshape(self.size, len(self.keys))[lo:hi]
        columns: list[Any] = []
        for j, kind in enumerate(self.kinds):
            if kind == "o":
                columns.append(self.extra[j][lo:hi])  # type: ignore[index]
                continue
            values = part[:, j].tolist()
            if kind in "iI":
                values = [None if math.isnan(v) else int(v) for v in values] if kind == "I" else list(map(int, values))
            if kind in "FI":
                nones = self.extra[j]  # type: ignore[index]
                for at in nones[bisect.bisect_left(nones, lo):bisect.bisect_left(nones, hi)]:
                    values[at - lo] = None
            columns.append(values)
        keys = self.keys
        if not keys:
            return [{} for _ in range(hi - lo)]
        return [dict(zip(keys, row)) for row in zip(*columns)]


def _shared(value: Any) -> Any:
    """The shared copy of a keys tuple or kinds string (at most `_SHARED_MAX` are kept: a server
    parses many logs in one process)."""
    found = _SHARED.get(value)
    if found is None:
        found = value
        if len(_SHARED) < _SHARED_MAX:
            _SHARED[value] = value
    return found


def _encode(column: tuple) -> tuple[str, Any, Any]:
    """(kind, extra, the float column or None) of one key's values."""
    types = set(map(type, column))
    nones = type(None) in types
    types.discard(type(None))
    if types <= {float}:
        at = tuple(i for i, v in enumerate(column) if v is None) if nones else ()
        numbers = [np.nan if v is None else v for v in column] if nones else column
        return ("F" if nones else "f"), at, numbers
    if types == {int}:
        ints = [v for v in column if v is not None] if nones else column
        if -_EXACT <= min(ints) and max(ints) <= _EXACT:
            at = tuple(i for i, v in enumerate(column) if v is None) if nones else ()
            numbers = [np.nan if v is None else v for v in column] if nones else column
            return ("I" if nones else "i"), at, numbers
    return "o", tuple(column), None


class RecordColumns(MutableSequence):
    """A list of records (dicts) whose older part can be frozen into numpy blocks.

    Example:
        >>> records = RecordColumns([{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": float("inf"), "seconds": 2}])
        >>> records.freeze(2)
        >>> records.frozen, records[1], records == [{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": float("inf"), "seconds": 2}]
        (2, {'epoch': 2, 'loss': inf, 'seconds': 2}, True)
        >>> records.append({"epoch": 3}); len(records), records[-1]
        (3, {'epoch': 3})
    """

    __slots__ = ("_blocks", "_ends", "_tail")

    def __init__(self, records: Iterable[Record] = ()) -> None:
        # tuples, not lists: a log of 47k short runs has two of each per run, most holding one block
        self._blocks: tuple[_Block, ...] = ()
        self._ends: tuple[int, ...] = ()  # records up to the end of each block
        self._tail: list[Record] = list(records)

    @property
    def frozen(self) -> int:
        """How many of the first records are held in blocks."""
        return self._ends[-1] if self._ends else 0

    def freeze(self, upto: int) -> None:
        """Hold records ``frozen .. upto`` by column (the dicts are released)."""
        start = self.frozen
        count = min(upto, len(self)) - start
        if count <= 0:
            return
        moving, self._tail = self._tail[:count], self._tail[count:]
        blocks: list[_Block] = []
        ends: list[int] = []
        i = 0
        while i < count:
            keys = tuple(moving[i])
            j = i + 1
            while j < count and len(moving[j]) == len(keys) and tuple(moving[j]) == keys:
                j += 1
            blocks.append(_Block(keys, [tuple(r.values()) for r in moving[i:j]]))
            ends.append(start + j)
            i = j
        self._blocks += tuple(blocks)
        self._ends += tuple(ends)

    def thaw(self) -> None:
        """Turn the frozen records back into dicts (before changing one of them)."""
        if self._blocks:
            self._tail = self._frozen_rows(0, self.frozen) + self._tail
            self._blocks, self._ends = (), ()

    def _frozen_rows(self, lo: int, hi: int) -> list[Record]:
        out: list[Record] = []
        k = bisect.bisect_right(self._ends, lo)
        while lo < hi:
            begin = self._ends[k - 1] if k else 0
            stop = min(hi, self._ends[k])
            out += self._blocks[k].rows(lo - begin, stop - begin)
            lo, k = stop, k + 1
        return out

    # the list protocol ----------------------------------------------------------
    def __len__(self) -> int:
        return self.frozen + len(self._tail)

    def __getitem__(self, index: Any) -> Any:
        frozen = self.frozen
        if isinstance(index, slice):
            lo, hi, step = index.indices(len(self))
            if step != 1:
                return list(self)[index]
            hi = max(hi, lo)
            if lo >= frozen:
                return self._tail[lo - frozen:hi - frozen]
            return self._frozen_rows(lo, min(hi, frozen)) + self._tail[:max(hi - frozen, 0)]
        n = len(self)
        i = index + n if index < 0 else index
        if not 0 <= i < n:
            raise IndexError("record index out of range")
        if i >= frozen:
            return self._tail[i - frozen]
        return self._frozen_rows(i, i + 1)[0]

    def __setitem__(self, index: Any, value: Any) -> None:
        if not self._touches_frozen(index):
            self._tail[self._shift(index)] = value
            return
        self.thaw()
        self._tail[index] = value

    def __delitem__(self, index: Any) -> None:
        if not self._touches_frozen(index):
            del self._tail[self._shift(index)]
            return
        self.thaw()
        del self._tail[index]

    def insert(self, index: int, value: Record) -> None:
        n = len(self)
        i = max(index + n, 0) if index < 0 else min(index, n)
        if i >= self.frozen:
            self._tail.insert(i - self.frozen, value)
            return
        self.thaw()
        self._tail.insert(i, value)

    def append(self, value: Record) -> None:
        self._tail.append(value)

    def extend(self, values: Iterable[Record]) -> None:
        self._tail.extend(list(values))

    def _touches_frozen(self, index: Any) -> bool:
        frozen = self.frozen
        if not frozen:
            return False
        if isinstance(index, slice):
            lo, _, step = index.indices(len(self))
            return step != 1 or lo < frozen
        i = index + len(self) if index < 0 else index
        return i < frozen

    def _shift(self, index: Any) -> Any:
        frozen = self.frozen
        if not frozen:
            return index
        if isinstance(index, slice):
            lo, hi, _ = index.indices(len(self))
            return slice(lo - frozen, max(hi, lo) - frozen)
        return (index + len(self) if index < 0 else index) - frozen

    def __iter__(self) -> Iterator[Record]:
        """Record by record, as a list iterates: by position, so that records assigned, appended or
        thawed meanwhile are seen as they are then."""
        i = 0
        while True:
            blocks, frozen = self._blocks, self.frozen
            if i < frozen:
                k = bisect.bisect_right(self._ends, i)
                begin = self._ends[k - 1] if k else 0
                stop = min(self._ends[k], i + _ROWS_AT_ONCE)
                for record in self._blocks[k].rows(i - begin, stop - begin):
                    yield record
                    i += 1
                    if self._blocks is not blocks:  # thawed by the reader: go on from the dicts
                        break
                continue
            tail = self._tail
            if i - frozen >= len(tail):
                return
            yield tail[i - frozen]
            i += 1

    def clear(self) -> None:
        self._blocks, self._ends, self._tail = (), (), []

    def copy(self) -> list[Record]:
        """A plain list of the records, as `list.copy` gives."""
        return list(self)

    def sort(self, *, key: Callable[[Record], Any] | None = None, reverse: bool = False) -> None:
        """Sort as `list.sort` does; records already in order are left frozen."""
        keys = (key(r) for r in self) if key is not None else iter(self)
        previous, ordered = None, True
        for i, k in enumerate(keys):
            if i and (k > previous if reverse else k < previous):
                ordered = False
                break
            previous = k
        if ordered:
            return
        self.thaw()
        self._tail.sort(key=key, reverse=reverse)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (list, tuple, RecordColumns)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return repr(list(self))

    def __reduce__(self) -> tuple:
        return (RecordColumns, (list(self),))
