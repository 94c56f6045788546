import { silentLogger } from '../../common/logging/logger';
import { describeContainerFactoryContract } from '../../test/contracts/container-factory.contract';
import { ProcessContainerFactory } from './process-container-factory';
import { findLabelledProcesses } from './process-labels';

describeContainerFactoryContract(
  'process',
  ({ invokerId, naming }) => new ProcessContainerFactory({ invokerId, naming, logger: silentLogger }),
  { enforcesMemory: false, reportsOom: false, canPause: true },
  {
    image: 'unused-by-the-process-factory',
    countOwned: async (naming, invokerId) => (await findLabelledProcesses(naming.containerLabels(invokerId))).length,
  },
);
