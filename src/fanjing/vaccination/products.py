"""The vaccine products shipped with fanjing (``data/products.yaml``), read once."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from fanjing.vaccination.core import Product, read_products


def products_from_yaml(text: str) -> dict[str, Product]:
    """Products from YAML text; every bad field is reported (``InputErrors``)."""
    return read_products(yaml.safe_load(text))


@cache
def builtin_products() -> dict[str, Product]:
    text = resources.files("fanjing.vaccination").joinpath("data/products.yaml").read_text("utf-8")
    return products_from_yaml(text)
