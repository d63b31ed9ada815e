"""agglo: research data warehouse and econometrics for regional industrial agglomeration in China."""

__version__ = "0.1.0"
