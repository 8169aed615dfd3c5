# Rasa: the optional NLU server in its own Python 3.10 venv (docs/nlu-backends.md).
# Included by the Makefile, which defines BIN and STAMP.
.PHONY: rasa rasa-serve rasa-test compare

rasa: $(STAMP) ## create .venv-rasa (Python 3.10, rasa 3.6.21; reused) and train the Rasa NLU model
	$(BIN)/interhub rasa setup
	$(BIN)/interhub rasa train

rasa-serve: rasa ## run the Rasa server on 127.0.0.1 (port of RASA_URL) until Ctrl-C
	$(BIN)/interhub rasa serve

rasa-test: rasa ## Rasa integration test: serve, parse in three languages, fall back, stop
	RUN_RASA=1 $(BIN)/python -m pytest -m rasa tests/nlu/test_rasa_integration.py

compare: rasa ## embedded vs Rasa on one held-out split: accuracy, macro-F1, latency, memory
	$(BIN)/interhub nlu compare
