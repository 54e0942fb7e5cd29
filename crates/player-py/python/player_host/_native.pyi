"""Type stubs of the native half of :mod:`player_host` (see ``crates/player-py/src``)."""

from os import PathLike
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

class NativePlayer:
    @staticmethod
    def from_scenario_file(path: Union[str, PathLike[str]], output: str) -> NativePlayer: ...
    @staticmethod
    def from_scenario_json(json: str, output: str) -> NativePlayer: ...
    @staticmethod
    def from_memory(
        json: str,
        data: npt.NDArray[np.float64],
        rate: float,
        content_type: str,
        channels: Sequence[Tuple[str, str, str, Sequence[Tuple[str, str]]]],
        annotations: Sequence[Tuple[float, float, str]],
        output: str,
    ) -> NativePlayer: ...
    def start(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def running(self) -> bool: ...
    def wait(self, timeout: Optional[float] = None) -> Optional[str]: ...
    def stats(self) -> str: ...
    @property
    def stream_names(self) -> list[str]: ...
    @property
    def warnings(self) -> list[str]: ...

def cli_main(args: Sequence[Union[str, bytes, PathLike[str]]]) -> int: ...
