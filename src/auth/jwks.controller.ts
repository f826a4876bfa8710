import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
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
  jwks() {
    return this.verifier.jwks;
  }
}
