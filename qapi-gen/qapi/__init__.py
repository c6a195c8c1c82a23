# qapi-gen: the QAPI schema compiler (parser -> checker -> model -> backends).
