"""The engine processes of a match: how to start one (UCI or xboard, via
python-chess), the xboard shim for engines without `setboard`, and the
player that restarts its engine after a crash, a hang or a protocol error."""
from __future__ import annotations

import asyncio
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import chess
import chess.engine

PROTOCOLS = ("uci", "xboard")


def ladya_command() -> List[str]:
    """Ladya as it is installed for this interpreter (`python -m engine`, the
    `ladya` command's module): the same code whatever the working directory."""
    return [sys.executable, "-m", "engine"]


class EditModeXBoardProtocol(chess.engine.XBoardProtocol):
    """xboard protocol for engines without `setboard` (Fairy-Max declares
    setboard=0).  python-chess insists on setboard, so we accept the engine
    and translate each `setboard FEN` into the protocol's edit-mode
    sequence; castling rights then follow from the king and rook squares and
    the en-passant square is lost, which is harmless for opening positions."""

    def __init__(self) -> None:
        super().__init__()
        self.edit_mode = False

    def _line_received(self, line: str) -> None:
        if line.startswith("feature") and "setboard=0" in line:
            self.edit_mode = True
            line = line.replace("setboard=0", "setboard=1")
        super()._line_received(line)

    def send_line(self, line: str) -> None:
        if self.edit_mode and line.startswith("setboard "):
            for edit_line in edit_commands(line[len("setboard "):]):
                super().send_line(edit_line)
        else:
            super().send_line(line)


def edit_commands(fen: str) -> List[str]:
    """xboard commands setting up `fen` after `new` + `force` with edit mode.
    Edit mode keeps the side to move, so for Black we first play a2a3 (the
    sequence the protocol specification gives).  Edit mode has no
    en-passant square either: with one, we set up the position before the
    double pawn push and then play the push."""
    board = chess.Board(fen)
    push = None
    if board.ep_square is not None:
        # The pawn that just moved stands one rank past the ep square.
        step = 8 if board.turn == chess.BLACK else -8
        to_sq = board.ep_square + step
        push = chess.Move(board.ep_square - step, to_sq)
        board.remove_piece_at(to_sq)
        board.set_piece_at(push.from_square, chess.Piece(chess.PAWN, not board.turn))
        board.turn = not board.turn
        board.ep_square = None
    out = ["a2a3"] if board.turn == chess.BLACK else []
    out += ["edit", "#"]
    for color in (chess.WHITE, chess.BLACK):
        if color == chess.BLACK:
            out.append("c")
        for sq, piece in board.piece_map().items():
            if piece.color == color:
                out.append(piece.symbol().upper() + chess.square_name(sq))
    out.append(".")
    if push is not None:
        out.append(push.uci())
    return out


def parse_option_value(text: str):
    """'true'/'false' -> bool, integers -> int, else the string."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(text)
    except ValueError:
        return text


@dataclass
class EngineSpec:
    """How to start one engine of a match: its command line (a string split
    as a shell would, or the argument list), protocol, options and name
    (None: the name the engine gives itself)."""
    command: Union[str, Sequence[str]] = field(default_factory=ladya_command)
    protocol: str = "uci"
    options: Dict[str, object] = field(default_factory=dict)
    name: Optional[str] = None

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol {self.protocol!r}: expected one of {', '.join(PROTOCOLS)}")
        if not self.argv():
            raise ValueError("empty engine command")

    def argv(self) -> List[str]:
        return shlex.split(self.command) if isinstance(self.command, str) else [str(a) for a in self.command]

    def default_name(self) -> str:
        """A name from the command, for an engine that gives none."""
        return Path(self.argv()[0]).name

    async def open(self):
        """The started engine (a python-chess protocol object), configured."""
        argv = self.argv()
        if self.protocol == "uci":
            _, eng = await chess.engine.popen_uci(argv)
        else:
            transport, eng = await EditModeXBoardProtocol.popen(argv)
            try:
                await eng.initialize()
            except BaseException:
                transport.close()
                raise
        if self.options:
            await eng.configure({k: parse_option_value(v) if isinstance(v, str) else v
                                 for k, v in self.options.items()})
        return eng


QUIT_WAIT = 5.0     # seconds an engine gets to answer `quit` before it is killed


async def close_engine(eng, wait: float = QUIT_WAIT) -> None:
    """Quit the engine, killing it if it has not gone within `wait` seconds
    (at once with wait 0: an engine known to be hung)."""
    if eng is None:
        return
    try:
        if wait > 0:
            await asyncio.wait_for(eng.quit(), wait)
    except Exception:
        pass
    try:
        eng.transport.kill()
    except Exception:
        pass


class Player:
    """One engine process, restarted after a crash, hang or protocol error."""

    def __init__(self, spec: EngineSpec, index: int):
        self.spec, self.index = spec, index
        self.eng = None

    async def ensure(self):
        if self.eng is None or self.eng.returncode.done():
            await close_engine(self.eng)
            self.eng = await self.spec.open()
        return self.eng

    async def restart(self, hung: bool = False):
        """Close the engine (killed at once if `hung`); the next game starts a new one."""
        await close_engine(self.eng, 0.0 if hung else QUIT_WAIT)
        self.eng = None
