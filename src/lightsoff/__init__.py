"""lightsoff: the headless integration layer between customers' orders and the shop floor."""

__version__ = "0.1.0"
