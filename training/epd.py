"""EPD files: the one reader of opening books and test suites.

One position a line, blank lines skipped::

    <placement> <side> <castling> <en passant> [<halfmove> <fullmove>] [<opcode> <operands>; ...]

The four FEN fields may be followed by a full FEN's two move counters (the
form of fishtest's books, `... - 0 3`) and then EPD operations, each an
opcode and its operands ended by ';' (`bm Qg6; id "WAC.001";`, the perft
suites' `;D1 20 ;D2 400`).  Without counters the `hmvc` and `fmvn`
operations give them, else they are 0 and 1.  Every position is checked by
the engine's FEN parser, so a bad line is one error naming the file and the
line (EpdError), not a failure later in a worker or an engine process.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple


class EpdError(ValueError):
    """A malformed EPD line or file; the message starts with `FILE:LINE:`."""


@dataclass(frozen=True)
class EpdRecord:
    """One line of an EPD file."""
    fen: str                                                  #: the position as a full six-field FEN
    #: opcode -> operands (one quoted string unquoted)
    operations: Dict[str, str] = field(default_factory=dict)
    line: int = 0                                             #: 1-based line number in its file

    def moves(self, opcode: str = "bm") -> List[str]:
        """The operands of `opcode` (SAN or UCI, as the file gives them)."""
        return self.operations.get(opcode, "").split()


def _operations(text: str) -> Dict[str, str]:
    """`opcode operands;` pairs; ';' inside a quoted string does not end one."""
    ops: Dict[str, str] = {}
    part, quoted = [], False
    for ch in text + ";":
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            words = "".join(part).split(None, 1)
            part = []
            if not words:
                continue
            opcode = words[0]
            if not opcode[0].isalpha():
                raise ValueError(f"bad EPD opcode {opcode!r}")
            operand = words[1].strip() if len(words) > 1 else ""
            if len(operand) >= 2 and operand[0] == operand[-1] == '"' and operand.count('"') == 2:
                operand = operand[1:-1]
            ops[opcode] = operand
        else:
            part.append(ch)
    if quoted:
        raise ValueError("unterminated quoted string")
    return ops


def parse_line(text: str) -> Tuple[str, Dict[str, str]]:
    """(six-field FEN, operations) of one EPD line; ValueError saying what is
    wrong.  The position itself is checked by the caller (read_epd)."""
    fields = text.split(None, 4)
    if len(fields) < 4:
        raise ValueError(f"expected at least the four FEN fields, got {text.strip()!r}")
    rest = fields[4] if len(fields) > 4 else ""
    words = rest.split(None, 2)
    if len(words) >= 2 and words[0].isdigit() and words[1].isdigit():
        counters = words[:2]
        rest = words[2] if len(words) > 2 else ""
        ops = _operations(rest)
    else:
        ops = _operations(rest)
        counters = [ops.get("hmvc", "0"), ops.get("fmvn", "1")]
        if not all(c.isdigit() for c in counters):
            raise ValueError(f"bad move counters hmvc {counters[0]!r} fmvn {counters[1]!r}")
    return " ".join(fields[:4] + counters), ops


def _text(source) -> Tuple[str, str]:
    """(name for messages, contents) of a path or an importlib.resources file."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise EpdError(f"{path}: no such file")
        return str(path), path.read_text()
    return str(source), source.read_text()


def read_epd(source, limit: Optional[int] = None) -> List[EpdRecord]:
    """The records of an EPD file (a path, or a file from importlib.resources),
    the first `limit` of them if given.  EpdError naming the file and line for
    a malformed line or an invalid position, or for a file without positions."""
    from engine.position import Position
    name, text = _text(source)
    out: List[EpdRecord] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if limit is not None and len(out) >= limit:
            break
        if not line.strip():
            continue
        try:
            fen, ops = parse_line(line)
            Position(fen)
        except ValueError as exc:
            raise EpdError(f"{name}:{lineno}: {exc}") from None
        out.append(EpdRecord(fen, ops, lineno))
    if not out:
        raise EpdError(f"{name}: no positions")
    return out


def read_fens(source, limit: Optional[int] = None) -> List[str]:
    """The positions of an EPD file as full FENs (read_epd without the operations)."""
    return [r.fen for r in read_epd(source, limit)]
