"""Find the Python in a forum post: maximal runs of lines that parse.

Posts interleave code with prose and console output, lose indentation, and
break statements across lines. Candidate lines are picked by a cheap regex;
each run of candidates is parsed whole, and on a syntax error the part before
the error is kept and the rest is read statement by statement. Every line is
parsed a bounded number of times, so the cost stays linear in the text.
Lines that are not code are scanned for call fragments (``Adam(lr=0.1)``
inside a sentence) as a last resort.
"""
from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass, field

#: A line that could start a Python statement.
_CODE_START = re.compile(r"""^\s*(?:
    (?:from|import|def|class|for|while|if|elif|else|try|except|finally|with|return|assert|raise|del|pass|print)\b
  | @[A-Za-z_]
  | \#
  | [A-Za-z_][\w.]*(?:\[[^\]]*\])*\s*(?:[-+*/%]?=(?!=)|\()
  | [A-Za-z_]\w*\s*,[\w\s,]*=(?!=)
  | [(\[]\s*[A-Za-z_]\w*\s*,.*=
  | [)\]}]
)""", re.VERBOSE)
_FRAGMENT_START = re.compile(r"[A-Za-z_][\w.]*\s*\(")
_INCOMPLETE = ("was never closed", "unexpected EOF", "expected an indented block", "unterminated triple")

MAX_STATEMENT_LINES = 60   # a statement's lines gathered by indentation
MAX_EXTRA_LINES = 6        # lines added one by one to close brackets
REGION_ATTEMPTS = 4        # whole-region parses before going statement by statement
MAX_FRAGMENTS = 1000   # fragment parses per post
MAX_FRAGMENT_CHARS = 600
#: Characters handed to the Python parser per post (each attempt also costs ATTEMPT_COST).
#: Real posts hold a few kB of code; past this budget the rest of the text is read as prose.
PARSE_BUDGET = 400_000
ATTEMPT_COST = 200


class _Budget:
    def __init__(self, chars: int) -> None:
        self.left = chars

    def spend(self, chars: int) -> None:
        self.left -= chars + ATTEMPT_COST
        if self.left < 0:
            raise _BudgetSpent


class _BudgetSpent(Exception):
    pass


@dataclass
class Segment:
    """Parsed statements starting at 1-based ``line`` of the post (node line numbers are relative)."""

    line: int
    end_line: int
    body: list[ast.stmt]


@dataclass
class CodeScan:
    segments: list[Segment] = field(default_factory=list)
    code_lines: set[int] = field(default_factory=set)   # 0-based indices of lines consumed as code
    comments: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)      # statements a limit kept from being read


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _parse(lines: list[str], start: int, end: int, budget: _Budget) -> ast.Module:
    """Parse lines[start:end] dedented by the first line's indentation (SyntaxError if impossible).

    Node line numbers stay relative to ``start``: only `Segment.line` places code in the post.
    """
    base = _indent(lines[start])
    chunk: list[str] = []
    for offset, line in enumerate(lines[start:end]):
        if line.strip() and _indent(line) < base:
            raise SyntaxError("dedent below the block", ("", offset + 1, 0, line))
        chunk.append(line[base:] if line.strip() else "")
    source = "\n".join(chunk)
    budget.spend(len(source))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences in pasted strings
        try:
            return ast.parse(source)
        except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
            raise SyntaxError(str(exc)) from None


def _incomplete(exc: SyntaxError) -> bool:
    return any(s in (exc.msg or "") for s in _INCOMPLETE)


def find_code(lines: list[str], skip: set[int] | None = None) -> CodeScan:
    """Every maximal stretch of parsable Python in ``lines`` (``skip``: 0-based lines to ignore)."""
    skip = skip or set()
    scan = CodeScan()
    budget = _Budget(PARSE_BUDGET)
    n = len(lines)
    i = 0
    while i < n and budget.left > 0:
        if i in skip or not _CODE_START.match(lines[i]):
            i += 1
            continue
        j = i + 1
        while j < n and j not in skip and (not lines[j].strip() or _CODE_START.match(lines[j])
                                           or lines[j][:1] in " \t"):
            j += 1
        while j > i + 1 and not lines[j - 1].strip():
            j -= 1
        try:
            i = max(j, _parse_region(lines, i, j, scan, budget))
        except _BudgetSpent:
            break
    for seg in scan.segments:
        for k in range(seg.line - 1, seg.end_line):
            text = lines[k]
            if "#" in text:
                comment = _comment(text)
                if comment and not _disabled_code(comment):
                    scan.comments.append((k + 1, comment))
    return scan


def _disabled_code(comment: str) -> bool:
    """A commented-out statement (``#model.compile(loss='mse')``): what the script no longer does,
    so not a remark about the set-up to read as prose."""
    body = comment.strip()
    if len(body) > MAX_FRAGMENT_CHARS or not ("(" in body or "=" in body):
        return False
    try:
        tree = ast.parse(body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return bool(tree.body) and all(
        isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Import, ast.ImportFrom))
        or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)) for node in tree.body)


def _comment(line: str) -> str | None:
    """The text after a ``#`` that is not inside a string literal."""
    quote = None
    for pos, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return line[pos + 1:].strip() or None
    return None


def _parse_region(lines: list[str], start: int, end: int, scan: CodeScan, budget: _Budget) -> int:
    """Parse candidate lines[start:end]; return the first line index not consumed."""
    pos, attempts, reach = start, 0, end
    while pos < end:
        if not lines[pos].strip():
            pos += 1
            continue
        if attempts < REGION_ATTEMPTS:
            attempts += 1
            try:
                _emit(scan, _parse(lines, pos, end, budget), pos, end)
                return reach
            except SyntaxError as exc:
                bad = (exc.lineno or 1) - 1  # relative index of the offending line
                if 0 < bad < end - pos:
                    try:
                        _emit(scan, _parse(lines, pos, pos + bad, budget), pos, pos + bad)
                        pos += bad
                        continue
                    except SyntaxError:
                        pass
        stop = _parse_statement(lines, pos, scan, budget)
        reach = max(reach, stop)
        pos = stop
    return reach


def _parse_statement(lines: list[str], start: int, scan: CodeScan, budget: _Budget) -> int:
    """Parse one statement starting at ``start``; return the index after it."""
    n = len(lines)
    base = _indent(lines[start])
    end = start + 1
    while end < n and end - start < MAX_STATEMENT_LINES and (
            not lines[end].strip() or _indent(lines[end]) > base or lines[end].lstrip()[:1] in ")]}"):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    for _ in range(MAX_EXTRA_LINES + 1):
        try:
            _emit(scan, _parse(lines, start, end, budget), start, end)
            return end
        except SyntaxError as exc:
            if _incomplete(exc) and end < n and lines[end].strip():
                end += 1
                continue
            bad = (exc.lineno or 1) - 1
            if 0 < bad < end - start:
                try:
                    _emit(scan, _parse(lines, start, start + bad, budget), start, start + bad)
                    return start + bad
                except SyntaxError:
                    pass
            if "integer string conversion" in (exc.msg or "") and len(scan.notes) < 20:
                scan.notes.append(f"pasted code: the statement at line {start + bad + 1} holds an integer "
                                  f"literal past Python's 4,300-digit limit; it was not read")
            break
    return start + 1


def _emit(scan: CodeScan, tree: ast.Module, start: int, end: int) -> None:
    if not tree.body:
        return
    scan.segments.append(Segment(line=start + 1, end_line=end, body=tree.body))
    scan.code_lines.update(range(start, end))


def find_fragments(lines: list[str], indices: list[int]) -> list[Segment]:
    """Calls embedded in non-code lines, e.g. ``Adam(lr=0.1)`` in a sentence."""
    found: list[Segment] = []
    attempts = 0
    for k in indices:
        line = lines[k]
        if "(" not in line:
            continue
        pos = 0
        while attempts < MAX_FRAGMENTS:
            m = _FRAGMENT_START.search(line, pos)
            if not m:
                break
            close = _matching_paren(line, m.end() - 1)
            if close is None:
                pos = m.end()
                continue
            attempts += 1
            try:
                expr = ast.parse(line[m.start():close + 1], mode="eval")
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                pos = m.end()
                continue
            stmt = ast.Expr(value=expr.body)
            if found and found[-1].end_line >= k:  # same or previous line: one piece of evidence
                found[-1].body.append(stmt)
                found[-1].end_line = k + 1
            else:
                found.append(Segment(line=k + 1, end_line=k + 1, body=[stmt]))
            pos = close + 1
    return found


def _matching_paren(text: str, open_pos: int) -> int | None:
    depth, quote = 0, None
    for pos in range(open_pos, min(len(text), open_pos + MAX_FRAGMENT_CHARS)):
        ch = text[pos]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return pos
    return None
