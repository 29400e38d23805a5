/**
 * GenericContainer with the two things the docker provider needs and testcontainers does not
 * offer: a fixed address (+ aliases) on the run's network, and ports published on 127.0.0.1
 * only (withExposedPorts binds every interface).
 */
import { GenericContainer } from 'testcontainers';
import type { RunNetwork } from './docker-network.js';

export class LabContainer extends GenericContainer {
  onNetwork(network: RunNetwork, ip: string, aliases: string[]): this {
    // No withNetworkAliases(): that would attach to the default bridge and connect later.
    this.withNetworkMode(network.name);
    this.createOpts.NetworkingConfig = {
      EndpointsConfig: { [network.name]: { IPAMConfig: { IPv4Address: ip }, Aliases: aliases } },
    };
    return this;
  }

  /** hostPort 0 = any free port, chosen again on every start; a fixed one survives `docker stop` + `docker start`. */
  publishOnLoopback(port: number, hostPort = 0): this {
    this.withExposedPorts(port);
    this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] };
    return this;
  }
}
