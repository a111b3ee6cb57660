"""Hotline API schemas."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class AnswerRead(BaseModel):
    id: int
    question: str
    answer: str
    source: str
    url: str | None
    date: str | None = Field(description="发布日期 YYYY-MM-DD（北京时间）")
    score: float


class SearchRead(BaseModel):
    query: str
    answers: list[AnswerRead]
    about_entry: bool = Field(description="问题是否关于进（返）京")
    entry_check: str | None = Field(
        description="进京检查的地址（POST 情况即可得出结论）；与进京无关时为空"
    )
    entry_check_page: str | None = Field(
        None, description="进京检查的网页（表单）；与进京无关时为空"
    )
    entry_check_says: str | None = Field(
        None, description="进京检查能回答什么（最早可进京日等）；与进京无关时为空"
    )


class EntryRead(BaseModel):
    id: int
    question: str
    answer: str
    alternatives: list[str]
    source: str
    url: str | None
    date: str | None
    author: str | None
    current: bool = Field(description="是否为该问题当前的答复（较旧的答复保留为历史）")


class EntryWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1, max_length=500, pattern=r"\S", examples=["行程卡带星号能进京吗？"]
    )
    answer: str = Field(min_length=1, max_length=20_000, pattern=r"\S")
    alternatives: list[str] = Field(default_factory=list, max_length=50)
    source: str = Field("12345 热线", max_length=300)
    url: str | None = Field(None, max_length=500)
    date: str | None = Field(None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")
    author: str | None = Field(None, max_length=200)
