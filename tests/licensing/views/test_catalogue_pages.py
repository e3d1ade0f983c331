"""The public catalogue (Art. 30, Art. 33; design principle 1): the guide is rendered from the
item record, unpublished items are never shown (Art. 5), and pages cost a fixed number of
queries whatever the number of items."""

import pytest
from django.urls import reverse

from licensing import demo
from licensing.models import Agency, LicenceItem, MaterialRequirement

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    demo.load_catalogue()


def add_items(count: int) -> None:
    agency = Agency.objects.get(code="sh-amr")
    for i in range(count):
        item = LicenceItem.objects.create(
            code=f"extra-{i}", name=f"附加事项 {i}", agency=agency, legal_basis="《测试法》",
            legal_articles="第1条", conditions="条件", published=True,
        )
        MaterialRequirement.objects.create(item=item, name=f"申请书 {i}")


class TestCataloguePages:
    def test_home_lists_topics_and_agencies_with_published_counts(self, client, catalogue):
        response = client.get(reverse("public:home"))
        html = response.content.decode()
        assert "Opening a restaurant" in html
        assert "上海市浦东新区市场监督管理局" in html

    def test_item_page_renders_the_whole_service_guide_from_the_record(self, client, catalogue):
        item = LicenceItem.objects.get(code="sh-food-business")
        html = client.get(item.get_absolute_url()).content.decode()
        assert item.name in html
        assert "《中华人民共和国食品安全法》第三十五条" in html  # legal basis
        assert "10 working days from acceptance" in html  # statutory limit
        assert "5 working days" in html  # promised limit
        for requirement in item.requirements.all():
            assert requirement.name in html
        assert "Free of charge (Art. 58)" in html
        assert "市场主体登记系统" in html  # Decree 716 Art. 7 data sharing

    def test_unpublished_item_is_not_shown_publicly(self, client, catalogue):
        hidden = LicenceItem.objects.get(code="sh-sewage-permit")
        assert hidden.published is False
        assert client.get(hidden.get_absolute_url()).status_code == 404
        assert hidden.name not in client.get(reverse("public:item_list")).content.decode()
        assert hidden.name not in client.get(reverse("public:item_list"), {"q": "排水"}).content.decode()
        assert client.get("/api/v1/items/sh-sewage-permit/").status_code == 404
        codes = [i["code"] for i in client.get("/api/v1/items/", {"page_size": 200}).json()["results"]]
        assert "sh-sewage-permit" not in codes

    def test_search_finds_items_by_name_agency_and_english_name(self, client, catalogue):
        html = client.get(reverse("public:item_list"), {"q": "药品"}).content.decode()
        assert "药品零售企业经营许可" in html
        assert "建筑工程施工许可" not in html
        html = client.get(reverse("public:item_list"), {"q": "Construction works"}).content.decode()
        assert "建筑工程施工许可" in html

    def test_browse_by_topic_and_agency(self, client, catalogue):
        html = client.get(reverse("public:item_list"), {"topic": "open-pharmacy"}).content.decode()
        assert "药品零售企业经营许可" in html and "执业药师注册" in html
        assert "建筑工程施工许可" not in html
        html = client.get(reverse("public:item_list"), {"agency": "sh-transport"}).content.decode()
        assert "出租汽车经营许可" in html and "食品经营许可" not in html


@pytest.mark.parametrize("url", ["/", "/items/", "/items/?q=许可", "/items/?topic=start-business",
                                 "/items/sh-food-business/", "/api/v1/items/", "/api/v1/agencies/",
                                 "/api/v1/items/sh-food-business/"])
def test_catalogue_queries_do_not_grow_with_items(client, catalogue, django_assert_num_queries, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add_items(40)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_api_error_body_is_uniform(client):
    body = client.get("/api/v1/items/does-not-exist/").json()
    assert body == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_catalogue_api_is_readable_without_login(client, catalogue):
    detail = client.get("/api/v1/items/sh-medical-practice/").json()
    assert detail["handling_mode"] == "joint"
    assert detail["statutory_days"] == 45 and detail["extension_days"] == 15
    assert len(detail["requirements"]) == 7
    assert detail["agency"] == "sh-health"


def test_promised_limit_may_not_exceed_statutory(catalogue):
    from django.core.exceptions import ValidationError

    item = LicenceItem.objects.get(code="sh-food-business")
    item.promised_days = item.statutory_days + 1
    with pytest.raises(ValidationError):
        item.full_clean()


def test_schema_and_docs_work_offline(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi" in schema.content
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs and "//cdn" not in docs and "unpkg" not in docs
