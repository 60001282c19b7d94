from .stock import restock
