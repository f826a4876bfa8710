import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiExcludeController, ApiOperation, ApiTags } from '@nestjs/swagger';
import { deciding, recorded, summaryOf } from '../../audit/access-summary';
import { Public } from '../../auth/auth.decorators';
import { DemoSignInService } from '../../console/demo-sign-in.service';
import { GatewayRequest } from '../gateway-request';

/** The console's sign-in: its settings, and demo tokens on a developer's machine (docs/console.md). */
@ApiTags('console')
@ApiExcludeController() // not part of the partner API: the console's own sign-in (docs/openapi.md)
@Controller('console')
export class ConsoleController {
  constructor(private readonly signIn: DemoSignInService) {}

  @Public()
  @Get('settings.json')
  @ApiOperation({ summary: 'How the console signs in: OpenID Connect, the demo identities (outside production, on this machine only) or none' })
  settings(@Req() req: GatewayRequest) {
    return this.signIn.settings(req.socket.remoteAddress, req.headers.host);
  }

  @Public()
  @Post('demo-token')
  @HttpCode(200)
  @ApiOperation({ summary: 'A token of at most 15 minutes for one demo identity; 404 in production, off loopback, or with OIDC_ISSUER or JWT_JWKS_URL set' })
  @ApiBody({ schema: { type: 'object', properties: { identity: { type: 'string' } }, required: ['identity'] } })
  async demoToken(@Req() req: GatewayRequest, @Body() body: { identity?: unknown }) {
    const demand = summaryOf({ actions: ['create'], subjects: ['DemoToken'], resourceIds: typeof body?.identity === 'string' ? [body.identity] : [] });
    const { issued } = await recorded(
      req.gateway!.audit,
      deciding(demand, async () => ({
        issued: await this.signIn.issue(body?.identity, req.socket.remoteAddress, req.headers.host),
        summary: summaryOf({ ...demand, rowCount: 1 }),
      })),
    );
    return {
      data: {
        token: issued.token,
        expiresAt: issued.expiresAt,
        identity: {
          id: issued.identity.id,
          label: issued.identity.label,
          sub: issued.identity.sub,
          roles: issued.identity.roles,
          partnerId: issued.identity.partnerId ?? null,
        },
      },
    };
  }
}
