// Project.spec.endpoints as a trust question: they receive the project's credentials, and a
// pull request may change a manifest, so an endpoint is refused before any call unless it is
// on loopback or the operator allows manifests' endpoints (src/agora/egress.ts). Errors name
// the endpoint's file, line and column.
import { manifestEndpointRefusal } from '../agora/egress.ts';
import { ErrorCode } from './errors.ts';
import type { ManifestError } from './errors.ts';
import { documentOrigins } from './load.ts';
import { formatPath } from './paths.ts';
import type { ProjectDoc } from './types.ts';

export function checkManifestEndpoints(projects: readonly ProjectDoc[], options: { allowManifestEndpoints: boolean }): ManifestError[] {
  const errors: ManifestError[] = [];
  for (const project of projects) {
    (project.spec.endpoints ?? []).forEach((url, index) => {
      const refusal = manifestEndpointRefusal(url, options.allowManifestEndpoints);
      if (!refusal) return;
      const segments = ['spec', 'endpoints', index];
      const origin = documentOrigins.get(project);
      const position = origin ? origin.file.locate(origin.document, segments, 'value') : { line: project.source.line, column: project.source.column };
      const name = JSON.stringify(project.metadata.name);
      // The origin only: a URL's user-info part would be a credential written in the manifest.
      const shown = new URL(url).origin;
      const message =
        refusal === 'plain-http'
          ? `project ${name}: endpoint ${shown} is plain http to a host that is not loopback; credentials go only over https (or to 127.0.0.0/8, ::1, localhost, or an endpoint the operator sets in AGORACTL_ENDPOINTS)`
          : `project ${name}: endpoint ${shown} would receive the project's credentials; a manifest's endpoints other than loopback are used only with --allow-manifest-endpoints (or set AGORACTL_ENDPOINTS)`;
      errors.push({ file: project.source.file, ...position, path: formatPath(segments), message, code: ErrorCode.EndpointRefused });
    });
  }
  return errors;
}
