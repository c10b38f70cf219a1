"""What is wrong with an input, at a path such as `data.milestone`: the core's rejections and
every validation problem the runtimes report, one type end to end."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"
