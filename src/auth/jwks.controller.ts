import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from './auth.decorators';
import { TokenVerifier } from './token-verifier.service';

@ApiTags('identity')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly verifier: TokenVerifier) {}

  @Public()
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'Public keys of the embedded issuer (empty when tokens come from JWT_JWKS_URL)' })
  @ApiOkResponse({
    description: 'A JSON Web Key Set (RFC 7517)',
    schema: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: { type: 'object' } } } },
  })
  jwks() {
    return this.verifier.jwks;
  }
}
