"""Pure mapping between LangChain and the Responses API: no HTTP library is imported here."""
