"""Embed agentgan in another LangGraph application: as a subgraph and as an agent's tool.

`build_pipeline` makes a parent graph whose first node is the whole agentgan graph and
whose second node describes the delivered table. `build_agent` makes a chat agent that
can call agentgan through the `generate_dataset` tool.

Run it from the repository root:

    python examples/embedding.py                 # the pipeline, offline
    OPENAI_API_KEY=... python examples/embedding.py --agent "churn data, 200 rows"
"""

from __future__ import annotations

import argparse
from typing import Any

from langchain_core.language_models import BaseChatModel
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from typing_extensions import TypedDict

from agentgan.embedding import add_to_graph, dataset_tool
from agentgan.io import read_table


class PipelineState(TypedDict, total=False):
    """State of the parent graph: agentgan's input and output keys, plus its own."""

    prompt: str
    rows: int
    dataset: dict[str, Any]
    report: dict[str, Any]
    description: dict[str, Any]


def describe_dataset(state: PipelineState) -> dict[str, Any]:
    """Read the delivered table and describe each column in one line."""
    frame = read_table(state["dataset"]["path"])
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype.kind in "iuf":
            columns[name] = f"{values.min()} to {values.max()}, mean {values.mean():.1f}"
        else:
            columns[name] = f"{values.nunique()} distinct, most often {values.mode().iloc[0]!r}"
    return {"description": {"rows": len(frame), "columns": columns}}


def build_pipeline() -> Any:
    """Build the parent graph: agentgan as a subgraph, then `describe_dataset`."""
    builder = StateGraph(PipelineState)
    add_to_graph(builder, "agentgan")
    builder.add_node("describe", describe_dataset)
    builder.add_edge(START, "agentgan")
    builder.add_edge("agentgan", "describe")
    builder.add_edge("describe", END)
    return builder.compile()


def build_agent(model: BaseChatModel, **settings: Any) -> Any:
    """Build a tool-calling chat agent that makes tables with agentgan.

    Args:
        model: Any LangChain chat model that supports tool calling.
        **settings: agentgan run settings for every tool call, such as `output_dir`.
    """
    tool = dataset_tool(**settings)
    bound = model.bind_tools([tool])

    def call_model(state: MessagesState) -> dict[str, Any]:
        return {"messages": [bound.invoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("model", call_model)
    builder.add_node("tools", ToolNode([tool]))
    builder.add_edge(START, "model")
    builder.add_conditional_edges("model", tools_condition, ["tools", END])
    builder.add_edge("tools", "model")
    return builder.compile()


def main() -> None:
    """Run the pipeline offline, or the agent with an OpenAI chat model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agent", metavar="MESSAGE", help="Ask the chat agent instead.")
    parser.add_argument("--model", default="gpt-4o-mini", help="OpenAI model of the agent.")
    parser.add_argument("--epochs", type=int, default=100, help="CTGAN training epochs.")
    arguments = parser.parse_args()

    if arguments.agent:
        from langchain_openai import ChatOpenAI

        agent = build_agent(ChatOpenAI(model=arguments.model), epochs=arguments.epochs)
        result = agent.invoke({"messages": [("user", arguments.agent)]})
        print(result["messages"][-1].content)
        return

    result = build_pipeline().invoke(
        {"prompt": "customer churn data with age, gender and location", "rows": 300},
        context={"epochs": arguments.epochs},
    )
    print(f"{result['description']['rows']} rows in {result['dataset']['path']}")
    for name, line in result["description"]["columns"].items():
        print(f"  {name}: {line}")


if __name__ == "__main__":
    main()
