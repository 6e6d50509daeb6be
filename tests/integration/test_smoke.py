from tests.factories import Api


def test_provider_creates_reads_and_updates_own_listing(api: Api) -> None:
    organization = api.organization()
    provider = api.key("provider", organization)
    created = api.client.post(
        "/v1/services",
        json=__import__("tests.factories").factories.listing(organization),
        headers=provider,
    )
    assert created.status_code == 201, created.text
    etag = created.headers["ETag"]
    service_id = created.json()["id"]
    patched = api.client.patch(
        f"/v1/services/{service_id}",
        json={"capacity": {"beds_available": 5}},
        headers={**provider, "If-Match": etag},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["capacity"] == {"beds_total": 12, "beds_available": 5}
    history = api.client.get(f"/v1/services/{service_id}/history", headers=provider)
    assert [h["action"] for h in history.json()["items"]] == ["create", "patch"]
