"""Type stubs of the native half of :mod:`player_host` (see ``crates/player-py/src``)."""

from os import PathLike
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

def use_liblsl(path: str, origin: str) -> None: ...
def liblsl_description() -> str: ...

#: A channel as the native side takes it: (label, kind, unit, extra metadata).
Channel = Tuple[str, str, str, Sequence[Tuple[str, str]]]

class StreamStats:
    name: str
    samples: int
    chunks: int
    late_chunks: int
    lateness_p50: float
    lateness_p99: float
    lateness_max: float
    position: float
    finished: bool
    error: Optional[str]
    def __init__(
        self,
        name: str,
        samples: int = 0,
        chunks: int = 0,
        late_chunks: int = 0,
        lateness_p50: float = 0.0,
        lateness_p99: float = 0.0,
        lateness_max: float = 0.0,
        position: float = 0.0,
        finished: bool = False,
        error: Optional[str] = None,
    ) -> None: ...
    def __eq__(self, other: object) -> bool: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...

class FaultRecord:
    stream: str
    fault: str
    first_sample: int
    samples: int
    t: float
    channels: Optional[List[str]]
    delay: Optional[float]
    at: Optional[float]
    until: Optional[float]
    seconds: Optional[float]
    by: Optional[float]
    def __init__(
        self,
        stream: str,
        fault: str,
        first_sample: int,
        samples: int,
        t: float,
        channels: Optional[Sequence[str]] = ...,
        delay: Optional[float] = ...,
        at: Optional[float] = ...,
        until: Optional[float] = ...,
        seconds: Optional[float] = ...,
        by: Optional[float] = ...,
    ) -> None: ...
    def __eq__(self, other: object) -> bool: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...

class Summary:
    t0: Optional[float]
    wall_seconds: float
    interrupted: bool
    warnings: List[str]
    def __init__(
        self,
        t0: Optional[float],
        wall_seconds: float,
        interrupted: bool,
        streams: Sequence[StreamStats] = ...,
        warnings: Sequence[str] = ...,
        faults: Sequence[FaultRecord] = ...,
    ) -> None: ...
    @property
    def streams(self) -> List[StreamStats]: ...
    @property
    def faults(self) -> List[FaultRecord]: ...
    @property
    def failures(self) -> List[Tuple[str, str]]: ...
    def __eq__(self, other: object) -> bool: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...

class PlayStatus:
    state: str
    position: float
    duration: Optional[float]
    pass_number: int
    passes: Optional[int]
    speed: float
    def __init__(
        self,
        state: str,
        position: float,
        duration: Optional[float],
        pass_number: int,
        passes: Optional[int],
        speed: float,
    ) -> None: ...
    def __eq__(self, other: object) -> bool: ...
    def __reduce__(self) -> Tuple[Any, ...]: ...

class MemoryStream:
    @staticmethod
    def regular(
        label: str,
        data: npt.NDArray[np.float64],
        rate: float,
        content_type: str,
        channels: Sequence[Channel],
        annotations: Sequence[Tuple[float, float, str]],
        desc_xml: Optional[str] = None,
    ) -> MemoryStream: ...
    @staticmethod
    def events(
        label: str,
        stamps: Sequence[float],
        content_type: str,
        channels: Sequence[Channel],
        duration: float,
        values: Optional[npt.NDArray[np.float64]] = None,
        texts: Optional[Sequence[str]] = None,
        desc_xml: Optional[str] = None,
    ) -> MemoryStream: ...
    @property
    def path(self) -> str: ...

class NativePlayer:
    def start(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def running(self) -> bool: ...
    @property
    def started(self) -> bool: ...
    @property
    def in_owner_process(self) -> bool: ...
    def check_owner(self, what: str) -> None: ...
    def wait(self, timeout: Optional[float] = None) -> Optional[Summary]: ...
    def stats(self) -> List[StreamStats]: ...
    def pause(self) -> PlayStatus: ...
    def resume(self) -> PlayStatus: ...
    def seek(self, seconds: float) -> PlayStatus: ...
    def set_speed(self, speed: float) -> PlayStatus: ...
    def status(self) -> PlayStatus: ...
    @property
    def stream_names(self) -> List[str]: ...
    @property
    def warnings(self) -> List[str]: ...

def open_scenario_file(path: Union[str, PathLike[str]], output: str) -> NativePlayer: ...
def open_scenario_json(json: str, output: str) -> NativePlayer: ...
def open_memory(json: str, streams: Sequence[MemoryStream], output: str) -> NativePlayer: ...
def cli_main(args: Sequence[Union[str, bytes, PathLike[str]]]) -> int: ...
