"""Bytes -> runs. Each module is one step, and reads top-down in the order the data flows:

``decode``      bytes -> text chunks (encodings, BOMs, binary refused, files streamed)
``locales``     translated keywords and metric names (``grammars/locales/*.toml``) back to English
``segment``     text -> candidate messages: lines, ``\\r`` redraws, ``\\b``, ANSI, page marks,
                wrapped lines, glued messages, translated words swapped
``records``     one segment -> one record: ``grammars/keras.lark`` and its Transformer
``fast``        the regex shortcut for the common bar shape (what ``records`` would return)
``assemble``    records -> runs: headers, restarts, quotations, formats, epochs of a headerless paste
``stream``      the loop over chunks, with the memory caps; ``parse_text`` for a whole text

Beside the console grammar: ``structured`` (CSVLogger files, ``history.history`` dumps),
``arrays`` (numeric arrays pasted in a post, such as ``model.predict`` output) and
``render`` (the inverse: runs back to the text Keras prints).

No module here imports a later step; `logsense.api.parse` puts them together.
"""
