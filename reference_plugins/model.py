"""model: a model provider with one fixed chat model.

Port of CPA's generated ``examples/plugin/model``. ``model.static`` and ``model.for_auth`` both
answer provider ``example-model-python`` with one model, ``example-model-python-model``
("Model Example Model", 8192-token context, up to 1024 completion tokens), whatever they are
asked.
"""

from __future__ import annotations

from cpa_sdk import ModelProvider
from cpa_sdk.wire import AuthModelRequest, ModelResponse, StaticModelRequest
from reference_plugins._generated import GeneratedExample, example_model


class ModelExample(GeneratedExample, ModelProvider, slug="model"):
    def static_models(self, request: StaticModelRequest) -> ModelResponse:
        return ModelResponse(provider=self.pid, models=[example_model(self.pid, "Model Example Model")])

    def models_for_auth(self, request: AuthModelRequest) -> ModelResponse:
        return self.static_models(StaticModelRequest())


PLUGIN = ModelExample
