"""Images and PDFs in messages (URLs, base64, data URIs).

Run: `python examples/images.py`.
"""

import base64

from langchain_core.messages import HumanMessage

from langchain_onerouter import ChatOneRouterResponses

# A 1x1 PNG, so the example needs no file on disk.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2a8f2"
        "b20000000049454e44ae426082"
    )
).decode()

llm = ChatOneRouterResponses(model="openai/gpt-5.4")

if __name__ == "__main__":
    if llm.profile and llm.profile.get("image_inputs") is False:
        raise SystemExit(f"{llm.model} does not take images")
    message = HumanMessage(
        content=[
            {"type": "text", "text": "What is in these images?"},
            {
                "type": "image",
                "url": "https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg",
            },
            {"type": "image", "base64": PIXEL, "mime_type": "image/png"},
        ]
    )
    print(llm.invoke([message]).text)
