"""The base of every model at the API boundary.

`defer_build`: a model's validator is built when it is first used, not when its
module is imported, so a function pays only for the models its request uses
(bench/: about 15 ms of cold start).

The modules that define models do not import `annotations` from `__future__`:
with it every field's type is text, which pydantic compiles and evaluates when
the class is made (about 5 ms of a function's cold start, bench/cold_start.py);
written as objects they cost nothing more. A method that returns its own
class says `Self`.

A request body (a model that forbids unknown fields) is read strictly, as its
schema says: a number where the schema says integer, `true` or `false` where
it says boolean, a string `YYYY-MM-DD` where it says date. Nothing else is
coerced (no `"5"` for 5, no `1` for true, no seconds since 1970 for a date).
"""

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _written_date(value: Any) -> Any:
    if isinstance(value, dt.date) or (isinstance(value, str) and len(value) == 10):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


# A calendar date as JSON carries it (strict models take no other form of it).
Date = Annotated[dt.date, Field(strict=False), BeforeValidator(_written_date)]


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.model_config.get("extra") == "forbid":  # a request body: read as its schema says
            cls.model_config["strict"] = True
