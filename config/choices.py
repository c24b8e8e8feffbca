"""TextChoices whose labels are translated: `Stage.PLAN.label` is the label in the language
active when it is read ("Plan", "Planen"), as a plain string, so code and tests can use it
like any text (`label in message`, `", ".join(...)`). The choices themselves
(`Stage.choices`, what model fields, forms and the admin take) stay lazy and are
translated when drawn."""

from types import DynamicClassAttribute

from django.db import models
from django.db.models.enums import ChoicesType


class _TranslatedChoicesType(ChoicesType):
    @property
    def choices(cls):
        empty = [(None, cls.__empty__)] if hasattr(cls, "__empty__") else []
        return empty + [(member.value, member._label_) for member in cls]


class TextChoices(models.TextChoices, metaclass=_TranslatedChoicesType):
    @DynamicClassAttribute
    def label(self) -> str:
        return str(self._label_)

    @DynamicClassAttribute
    def lazy_label(self):
        """The label still to be translated: for lists built once, at import."""
        return self._label_
