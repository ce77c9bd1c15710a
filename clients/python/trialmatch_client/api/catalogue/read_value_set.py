from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.operation_outcome import OperationOutcome
from ...models.read_value_set_response_200 import ReadValueSetResponse200
from typing import cast



def _get_kwargs(
    value_set_id: str,

) -> dict[str, Any]:
    

    

    

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/ValueSet/{value_set_id}".format(value_set_id=quote(str(value_set_id), safe=""),),
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> OperationOutcome | ReadValueSetResponse200 | None:
    if response.status_code == 200:
        response_200 = ReadValueSetResponse200.from_dict(response.json())



        return response_200

    if response.status_code == 401:
        response_401 = OperationOutcome.from_dict(response.json())



        return response_401

    if response.status_code == 404:
        response_404 = OperationOutcome.from_dict(response.json())



        return response_404

    if response.status_code == 500:
        response_500 = OperationOutcome.from_dict(response.json())



        return response_500

    if response.status_code == 503:
        response_503 = OperationOutcome.from_dict(response.json())



        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[OperationOutcome | ReadValueSetResponse200]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    value_set_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[OperationOutcome | ReadValueSetResponse200]:
    """ Read Value Set

     Read one value set of the catalogue as an R5 ValueSet, each code with the source it was checked
    against.

    Args:
        value_set_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OperationOutcome | ReadValueSetResponse200]
     """


    kwargs = _get_kwargs(
        value_set_id=value_set_id,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    value_set_id: str,
    *,
    client: AuthenticatedClient,

) -> OperationOutcome | ReadValueSetResponse200 | None:
    """ Read Value Set

     Read one value set of the catalogue as an R5 ValueSet, each code with the source it was checked
    against.

    Args:
        value_set_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OperationOutcome | ReadValueSetResponse200
     """


    return sync_detailed(
        value_set_id=value_set_id,
client=client,

    ).parsed

async def asyncio_detailed(
    value_set_id: str,
    *,
    client: AuthenticatedClient,

) -> Response[OperationOutcome | ReadValueSetResponse200]:
    """ Read Value Set

     Read one value set of the catalogue as an R5 ValueSet, each code with the source it was checked
    against.

    Args:
        value_set_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[OperationOutcome | ReadValueSetResponse200]
     """


    kwargs = _get_kwargs(
        value_set_id=value_set_id,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    value_set_id: str,
    *,
    client: AuthenticatedClient,

) -> OperationOutcome | ReadValueSetResponse200 | None:
    """ Read Value Set

     Read one value set of the catalogue as an R5 ValueSet, each code with the source it was checked
    against.

    Args:
        value_set_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        OperationOutcome | ReadValueSetResponse200
     """


    return (await asyncio_detailed(
        value_set_id=value_set_id,
client=client,

    )).parsed
