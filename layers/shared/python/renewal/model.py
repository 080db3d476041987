"""The base of every model at the API boundary.

`defer_build`: a model's validator is built when it is first used, not when its
module is imported, so a function pays only for the models its request uses
(bench/: about 15 ms of cold start).
"""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
