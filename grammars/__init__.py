"""Data, not code: the Lark grammar of Keras console output and the locale tables.

Installed as ``logsense.grammars`` so the files are found through the package
(``importlib.resources``) whether logsense runs from a checkout or a wheel.
"""
