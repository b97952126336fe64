import langchain_onerouter


def test_public_api_exports_model_and_errors() -> None:
    assert (
        langchain_onerouter.ChatOneRouterResponses.__name__ == "ChatOneRouterResponses"
    )
    assert issubclass(
        langchain_onerouter.RateLimitError, langchain_onerouter.OneRouterError
    )
